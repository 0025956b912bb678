import { envProblems, parseEnv } from '@shopnest/platform-config';
import { TEST_JWT_ENV } from '@shopnest/testing';
import { DEFAULT_DATA_DIR, embeddedEnvSchema } from './embedded.config';

describe('embeddedEnvSchema', () => {
  it('runs the three services on their usual ports and on in-process adapters, from the JWT settings alone', () => {
    const config = parseEnv(embeddedEnvSchema, { ...TEST_JWT_ENV });
    expect(config.edge).toMatchObject({
      http: { port: 3000 },
      fanout: { driver: 'local' },
      history: { driver: 'memory' },
      rateLimit: { driver: 'memory' },
      edge: { orderAccess: { driver: 'http', baseUrl: 'http://127.0.0.1:3001' } },
    });
    expect(config.orders).toMatchObject({
      http: { port: 3001 },
      eventBus: { driver: 'memory' },
      orders: { store: { driver: 'pglite', dataDir: DEFAULT_DATA_DIR } },
    });
    expect(config.worker).toMatchObject({
      http: { port: 3002 },
      eventBus: { driver: 'memory' },
      fanout: { driver: 'local' },
      history: { driver: 'memory' },
      inbox: { store: { driver: 'pglite', schema: 'inbox', dataDir: `${DEFAULT_DATA_DIR}-inbox` } },
    });
  });

  it('mints the edge’s service token from JWT_SECRET, unless one is given', () => {
    const minted = parseEnv(embeddedEnvSchema, { ...TEST_JWT_ENV }).edge.edge.orderAccess;
    expect(minted).toMatchObject({ serviceToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) });
    const given = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlZGdlIn0.c2lnbmF0dXJl';
    expect(parseEnv(embeddedEnvSchema, { ...TEST_JWT_ENV, SERVICE_TOKEN: given }).edge.edge.orderAccess).toMatchObject({
      serviceToken: given,
    });
  });

  it('moves the ports and the data: orders in PGlite under .data by default, in PostgreSQL when DATABASE says so', () => {
    expect(parseEnv(embeddedEnvSchema, { ...TEST_JWT_ENV }).orders.orders.store).toEqual({
      driver: 'pglite',
      schema: 'public',
      dataDir: '.data/pglite',
    });
    const config = parseEnv(embeddedEnvSchema, {
      ...TEST_JWT_ENV,
      EDGE_PORT: '4000',
      ORDERS_PORT: '4001',
      WORKER_PORT: '4002',
      DATABASE: 'postgres',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
    });
    expect([config.edge.http.port, config.orders.http.port, config.worker.http.port]).toEqual([4000, 4001, 4002]);
    expect(config.edge.edge.orderAccess).toMatchObject({ baseUrl: 'http://127.0.0.1:4001' });
    expect(config.orders.orders.store).toMatchObject({ driver: 'postgres' });
  });

  it('names every bad key once, the cluster adapters and a lone PORT among them', () => {
    const problems = envProblems(embeddedEnvSchema, {
      EDGE_PORT: 'x',
      PORT: '80',
      EVENT_BUS: 'kafka',
      RATE_LIMIT_STORE: 'redis',
      HISTORY_MAX_LENGTH: '0',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'EDGE_PORT',
      'EVENT_BUS',
      'HISTORY_MAX_LENGTH',
      'JWT_SECRET',
      'PORT',
      'RATE_LIMIT_STORE',
    ]);
    expect(problems).toContain(
      'EVENT_BUS: kafka is refused: the one-process mode runs on in-process adapters (EVENT_BUS=memory); for kafka, run the services as their own processes (npm run start:cluster)',
    );
  });

  it('needs SERVICE_TOKEN when tokens are verified with a public key, since it can mint one only from JWT_SECRET', () => {
    expect(envProblems(embeddedEnvSchema, { JWT_PUBLIC_KEY_FILE: '/nonexistent.pem' })).toContain(
      'SERVICE_TOKEN: required without JWT_SECRET: the one-process mode can mint it only from the HS256 secret',
    );
  });

  it('serves the web console on WEB_PORT and allows its origin (not `*`) on the edge and the REST services', () => {
    const config = parseEnv(embeddedEnvSchema, { ...TEST_JWT_ENV, WEB_PORT: '4004', ORDERS_PORT: '4001' });
    expect(config.web).toMatchObject({
      http: { host: '127.0.0.1', port: 4004 },
      distDir: 'dist/apps/web',
      urls: { edge: 'http://127.0.0.1:3000', orders: 'http://127.0.0.1:4001', support: 'http://127.0.0.1:3003' },
      devTokens: null,
    });
    expect(config.edge.socket.corsOrigins).toEqual(['http://127.0.0.1:4004']);
    expect([config.orders.cors, config.support.cors]).toEqual([['http://127.0.0.1:4004'], ['http://127.0.0.1:4004']]);
    const configured = parseEnv(embeddedEnvSchema, { ...TEST_JWT_ENV, CORS_ORIGINS: 'https://console.example' });
    expect([configured.edge.socket.corsOrigins, configured.orders.cors, configured.support.cors]).toEqual([
      ['https://console.example'],
      ['https://console.example'],
      ['https://console.example'],
    ]);
  });

  it('signs development tokens only with DEV_TOKENS=true, with the services’ secret, issuer and audience', () => {
    expect(parseEnv(embeddedEnvSchema, { ...TEST_JWT_ENV, DEV_TOKENS: 'true' }).web.devTokens).toEqual({
      secret: TEST_JWT_ENV.JWT_SECRET,
      issuer: TEST_JWT_ENV.JWT_ISSUER,
      audience: TEST_JWT_ENV.JWT_AUDIENCE,
    });
    expect(parseEnv(embeddedEnvSchema, { ...TEST_JWT_ENV, DEV_TOKENS: 'false' }).web.devTokens).toBeNull();
  });

  it('refuses to start with DEV_TOKENS=true and NODE_ENV=production, naming the key', () => {
    expect(envProblems(embeddedEnvSchema, { ...TEST_JWT_ENV, DEV_TOKENS: 'true', NODE_ENV: 'production' })).toEqual([
      'DEV_TOKENS: refused with NODE_ENV=production: development sign-in hands out tokens to anyone who asks',
    ]);
    expect(envProblems(embeddedEnvSchema, { ...TEST_JWT_ENV, NODE_ENV: 'production' })).toEqual([]);
  });
});
