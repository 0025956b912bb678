import { parseEnv } from '@shopnest/platform-config';
import { signTestToken, TEST_JWT_ENV } from '@shopnest/testing';
import { supportDeskEnvSchema, supportDeskProcessEnvSchema } from './support-desk.config';

const SERVICE_TOKEN = signTestToken('support-desk', { roles: ['service'] });
const load = (env: NodeJS.ProcessEnv) => parseEnv(supportDeskEnvSchema, env);

describe('support-desk config', () => {
  it('defaults the port to 3003 and its tables to the schema support, so it can share the orders’ database', () => {
    const config = load({
      ...TEST_JWT_ENV,
      EVENT_BUS: 'memory',
      DATABASE_URL: 'postgres://u:p@db:5432/shopnest',
      SERVICE_TOKEN,
    });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3003, keepAliveTimeoutMs: 65_000 });
    expect(config.support).toMatchObject({
      store: { driver: 'postgres', schema: 'support' },
      outbox: { batchSize: 100, retentionMs: 7 * 24 * 3_600_000 },
      orders: { baseUrl: 'http://127.0.0.1:3001', serviceToken: SERVICE_TOKEN, timeoutMs: 2000 },
    });
  });

  it('names every bad key at once', () => {
    expect(() =>
      load({
        ...TEST_JWT_ENV,
        EVENT_BUS: 'memory',
        DATABASE: 'pglite',
        SERVICE_TOKEN: 'not-a-jwt',
        ORDER_TRACKING_URL: 'ftp://orders',
        OUTBOX_RETENTION_HOURS: '-1',
      }),
    ).toThrow(/ORDER_TRACKING_URL[\s\S]*SERVICE_TOKEN|SERVICE_TOKEN[\s\S]*ORDER_TRACKING_URL/);
    expect(() => load({ ...TEST_JWT_ENV, EVENT_BUS: 'memory', DATABASE: 'pglite', SERVICE_TOKEN })).not.toThrow();
    expect(() =>
      load({ ...TEST_JWT_ENV, EVENT_BUS: 'memory', DATABASE: 'pglite', SERVICE_TOKEN, OUTBOX_RETENTION_HOURS: '0' }),
    ).toThrow(/OUTBOX_RETENTION_HOURS/);
  });

  it('as its own process, refuses the in-memory bus: its events would reach no worker', () => {
    expect(() =>
      parseEnv(supportDeskProcessEnvSchema, {
        ...TEST_JWT_ENV,
        EVENT_BUS: 'memory',
        DATABASE: 'pglite',
        SERVICE_TOKEN,
      }),
    ).toThrow(/EVENT_BUS: memory is refused/);
  });
});
