import { ConfigError, parseEnv } from '@shopnest/platform-config';
import { fanoutEnvSchema } from './fanout.config';

describe('fanoutEnvSchema', () => {
  it('defaults to the redis driver and the socket.io key', () => {
    expect(parseEnv(fanoutEnvSchema, { REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({
      driver: 'redis',
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'socket.io' },
    });
  });

  it('needs no Redis for FANOUT=local', () => {
    expect(parseEnv(fanoutEnvSchema, { FANOUT: 'local' })).toEqual({
      driver: 'local',
    });
  });

  it('names REDIS_URL when the redis driver has none, and refuses an unknown driver', () => {
    expect(() => parseEnv(fanoutEnvSchema, {})).toThrow(/REDIS_URL: required when FANOUT=redis/);
    expect(() => parseEnv(fanoutEnvSchema, { FANOUT: 'kafka', REDIS_URL: 'redis://x' })).toThrow(ConfigError);
    expect(() => parseEnv(fanoutEnvSchema, { REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });
});
