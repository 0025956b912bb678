import { envProblems, parseEnv } from '@shopnest/platform-config';
import { presenceEnvSchema } from './presence.config';

describe('presenceEnvSchema', () => {
  it('defaults to Redis, a 60 s TTL and the shopnest:presence: prefix', () => {
    expect(parseEnv(presenceEnvSchema, { REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({
      driver: 'redis',
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'shopnest:presence:',
      ttlMs: 60_000,
    });
  });

  it('runs in memory without REDIS_URL', () => {
    expect(parseEnv(presenceEnvSchema, { PRESENCE_STORE: 'memory', PRESENCE_TTL_S: '9' })).toEqual({
      driver: 'memory',
      ttlMs: 9_000,
    });
  });

  it('names every bad key', () => {
    const problems = envProblems(presenceEnvSchema, { PRESENCE_STORE: 'disk', PRESENCE_TTL_S: '1' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['PRESENCE_STORE', 'PRESENCE_TTL_S']);
    expect(envProblems(presenceEnvSchema, {})).toEqual(['REDIS_URL: required when PRESENCE_STORE=redis']);
  });
});
