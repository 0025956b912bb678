import { envProblems, parseEnv } from '@shopnest/platform-config';
import { rateLimitEnvSchema } from './rate-limit.config';
import { RateLimitModule } from './rate-limit.module';

describe('rateLimitEnvSchema', () => {
  it('defaults to the shared Redis store under shopnest:rl:', () => {
    expect(parseEnv(rateLimitEnvSchema, { REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({
      driver: 'redis',
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'shopnest:rl:',
    });
  });

  it('counts in memory without Redis when RATE_LIMIT_STORE=memory', () => {
    expect(parseEnv(rateLimitEnvSchema, { RATE_LIMIT_STORE: 'memory' })).toEqual({ driver: 'memory' });
  });

  it('names REDIS_URL for the Redis store, and refuses an unknown store', () => {
    expect(envProblems(rateLimitEnvSchema, {})).toEqual(['REDIS_URL: required when RATE_LIMIT_STORE=redis']);
    expect(
      envProblems(rateLimitEnvSchema, { RATE_LIMIT_STORE: 'etcd', REDIS_URL: 'redis://x' }).map((p) => p.split(':')[0]),
    ).toEqual(['RATE_LIMIT_STORE']);
  });
});

describe('RateLimitModule.forRoot', () => {
  it('stops at an unknown driver, naming the known ones', () => {
    expect(() => RateLimitModule.forRoot({ driver: 'etcd' } as never)).toThrow(
      'RateLimitModule: unknown driver "etcd"; use redis|memory',
    );
  });
});
