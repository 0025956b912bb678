import { envProblems, parseEnv } from '@shopnest/platform-config';
import { historyEnvSchema } from './history.config';

describe('historyEnvSchema', () => {
  it('defaults to Redis with 1000 events, one day and a one-hour id memory per channel', () => {
    expect(parseEnv(historyEnvSchema, { REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({
      driver: 'redis',
      limits: { maxLength: 1000, maxAgeMs: 86_400_000, dedupeTtlMs: 3_600_000 },
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'history:' },
    });
  });

  it('reads the limits in events and seconds, and memory needs no Redis', () => {
    expect(
      parseEnv(historyEnvSchema, {
        HISTORY: 'memory',
        HISTORY_MAX_LENGTH: '50',
        HISTORY_MAX_AGE_S: '60',
        HISTORY_DEDUPE_TTL_S: '30',
      }),
    ).toEqual({ driver: 'memory', limits: { maxLength: 50, maxAgeMs: 60_000, dedupeTtlMs: 30_000 } });
  });

  it('names every bad key: unknown driver, non-positive limits, missing Redis', () => {
    const keys = (env: NodeJS.ProcessEnv) => envProblems(historyEnvSchema, env).map((p) => p.split(':')[0]);
    expect(keys({ HISTORY: 'postgres', HISTORY_MAX_LENGTH: '0', HISTORY_MAX_AGE_S: 'day' })).toEqual(
      expect.arrayContaining(['HISTORY', 'HISTORY_MAX_LENGTH', 'HISTORY_MAX_AGE_S']),
    );
    expect(envProblems(historyEnvSchema, {})).toEqual(['REDIS_URL: required when HISTORY=redis']);
  });
});
