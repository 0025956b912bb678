import { describeTokenRevocationsContract } from '../token-revocations.contract';
import { InMemoryTokenRevocations } from './in-memory-token-revocations';

describeTokenRevocationsContract('in-memory', async () => new InMemoryTokenRevocations());
