import { describeTokenRevocationsContract } from '../token-revocations.contract';
import { RedisTokenRevocations } from './redis-token-revocations';

describeTokenRevocationsContract('redis', (keyPrefix) =>
  RedisTokenRevocations.connect(process.env['REDIS_URL'] as string, keyPrefix),
);
