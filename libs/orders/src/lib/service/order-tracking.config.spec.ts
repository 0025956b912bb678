import { parseEnv } from '@shopnest/platform-config';
import { TEST_JWT_ENV } from '@shopnest/testing';
import { orderTrackingEnvSchema, orderTrackingProcessEnvSchema } from './order-tracking.config';

const load = (env: NodeJS.ProcessEnv) => parseEnv(orderTrackingEnvSchema, env);
const PGLITE = { DATABASE: 'pglite' };

describe('order-tracking config', () => {
  it('defaults the port to 3001 and nests each fragment', () => {
    const config = load({ ...TEST_JWT_ENV, ...PGLITE, KAFKA_BROKERS: '127.0.0.1:19092' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3001, keepAliveTimeoutMs: 65_000 });
    expect(config.eventBus).toEqual({
      driver: 'kafka',
      kafka: {
        brokers: ['127.0.0.1:19092'],
        clientId: 'shopnest',
        namespace: '',
        sessionTimeoutMs: 30_000,
        consumerConcurrency: 6,
        keyConcurrency: 8,
      },
    });
    expect(config.jwt).toMatchObject({ algorithms: ['HS256'], issuer: TEST_JWT_ENV.JWT_ISSUER });
  });

  it('runs on the in-memory bus without Kafka settings', () => {
    expect(load({ ...TEST_JWT_ENV, ...PGLITE, EVENT_BUS: 'memory', PORT: '4000' })).toMatchObject({
      http: { port: 4000 },
      eventBus: { driver: 'memory' },
    });
  });

  it('names every bad key of every fragment at once', () => {
    expect(() => load({ PORT: 'x', EVENT_BUS: 'kafka' })).toThrow(/PORT[\s\S]*JWT_SECRET[\s\S]*KAFKA_BROKERS/);
    expect(() => load({ ...TEST_JWT_ENV, EVENT_BUS: 'carrier-pigeon' })).toThrow(/EVENT_BUS/);
  });

  it('keeps orders where DATABASE says: PostgreSQL at DATABASE_URL by default, or embedded PGlite', () => {
    expect(load({ ...TEST_JWT_ENV, ...PGLITE, EVENT_BUS: 'memory' }).orders).toEqual({
      store: { driver: 'pglite', schema: 'public' },
      locationEventsPerSecond: 1,
      outbox: {
        batchSize: 100,
        sweepIntervalMs: 2000,
        retentionMs: 7 * 24 * 3_600_000,
        pruneIntervalMs: 60_000,
        pruneBatchSize: 500,
      },
    });
    expect(
      load({
        ...TEST_JWT_ENV,
        EVENT_BUS: 'memory',
        DATABASE_URL: 'postgres://u:p@db:5432/shopnest',
        DATABASE_SCHEMA: 'orders_7',
        DATABASE_POOL_MAX: '4',
        DATABASE_TIMEOUT_MS: '3000',
        LOCATION_EVENT_MAX_PER_SEC: '0.5',
        OUTBOX_SWEEP_INTERVAL_MS: '500',
        OUTBOX_RETENTION_HOURS: '24',
        DATABASE_PREPARED_STATEMENTS: '0',
      }).orders,
    ).toEqual({
      store: {
        driver: 'postgres',
        url: 'postgres://u:p@db:5432/shopnest',
        schema: 'orders_7',
        poolMax: 4,
        timeoutMs: 3000,
        preparedStatements: 0,
      },
      locationEventsPerSecond: 0.5,
      outbox: expect.objectContaining({ batchSize: 100, sweepIntervalMs: 500, retentionMs: 24 * 3_600_000 }),
    });
    expect(
      load({ ...TEST_JWT_ENV, ...PGLITE, EVENT_BUS: 'memory', PGLITE_DATA_DIR: '/var/lib/orders' }).orders.store,
    ).toEqual({
      driver: 'pglite',
      schema: 'public',
      dataDir: '/var/lib/orders',
    });
  });

  it('needs DATABASE_URL for PostgreSQL, and refuses an unknown DATABASE, instead of guessing from the URL', () => {
    expect(() => load({ ...TEST_JWT_ENV, EVENT_BUS: 'memory' })).toThrow(
      /DATABASE_URL: required when DATABASE=postgres/,
    );
    expect(() => load({ ...TEST_JWT_ENV, EVENT_BUS: 'memory', DATABASE: 'mysql' })).toThrow(/DATABASE:/);
  });

  it('names bad database and outbox keys', () => {
    expect(() =>
      load({
        ...TEST_JWT_ENV,
        EVENT_BUS: 'memory',
        DATABASE_URL: 'mysql://x',
        DATABASE_SCHEMA: 'Robert"); DROP',
        LOCATION_EVENT_MAX_PER_SEC: '0',
      }),
    ).toThrow(/DATABASE_URL[\s\S]*DATABASE_SCHEMA[\s\S]*LOCATION_EVENT_MAX_PER_SEC/);
  });

  it('as its own process, refuses the in-memory bus: its events would reach no worker', () => {
    expect(() => parseEnv(orderTrackingProcessEnvSchema, { ...TEST_JWT_ENV, EVENT_BUS: 'memory' })).toThrow(
      /EVENT_BUS: memory is refused: events of an order-tracking in its own process would reach no notification-worker/,
    );
  });
});
