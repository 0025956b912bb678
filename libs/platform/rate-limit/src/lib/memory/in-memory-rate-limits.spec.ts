import { describeRateLimitsContract } from '../rate-limits.contract';
import { InMemoryRateLimits } from './in-memory-rate-limits';

describeRateLimitsContract('in-memory', async () => new InMemoryRateLimits());
