import { envProblems, parseEnv } from '@shopnest/platform-config';
import { TEST_JWT_ENV } from '@shopnest/testing';
import { edgeEnvSchema } from './edge.config';

const SERVICE_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlZGdlIn0.c2lnbmF0dXJl';
const minimal = { ...TEST_JWT_ENV, REDIS_URL: 'redis://127.0.0.1:6379', SERVICE_TOKEN };

const problems = (env: NodeJS.ProcessEnv): string[] => envProblems(edgeEnvSchema, env);

describe('edgeEnvSchema', () => {
  it('fills every default from a minimal environment', () => {
    const config = parseEnv(edgeEnvSchema, minimal);
    expect(config).toMatchObject({
      http: { host: '127.0.0.1', port: 3000 },
      redis: { url: 'redis://127.0.0.1:6379', key: 'socket.io' },
      edge: { orderAccess: { driver: 'http', baseUrl: 'http://127.0.0.1:3001', serviceToken: SERVICE_TOKEN, timeoutMs: 2000 } },
      socket: {
        corsOrigins: null,
        transports: ['websocket', 'polling'],
        maxPayloadBytes: 65_536,
        pingIntervalMs: 25_000,
        pingTimeoutMs: 20_000,
      },
    });
    expect(config.jwt).toMatchObject({ algorithms: ['HS256'], issuer: TEST_JWT_ENV.JWT_ISSUER });
  });

  it('names every missing or bad key at once', () => {
    const found = problems({ PORT: 'x', CORS_ORIGINS: 'shop.example', SOCKET_TRANSPORTS: 'carrier-pigeon' });
    for (const key of ['PORT', 'REDIS_URL', 'SERVICE_TOKEN', 'JWT_SECRET', 'CORS_ORIGINS', 'SOCKET_TRANSPORTS']) {
      expect(found.some((problem) => problem.startsWith(key))).toBe(true);
    }
  });

  it('refuses a service token that is not a JWT', () => {
    expect(problems({ ...minimal, SERVICE_TOKEN: 'hunter2' })).toEqual([expect.stringMatching(/^SERVICE_TOKEN: must be a signed JWT/)]);
  });

  it('takes CORS_ORIGINS as a list of origins, or * explicitly', () => {
    expect(parseEnv(edgeEnvSchema, { ...minimal, CORS_ORIGINS: 'https://a.example, https://b.example' }).socket.corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(parseEnv(edgeEnvSchema, { ...minimal, CORS_ORIGINS: '*' }).socket.corsOrigins).toBe('*');
  });
});
