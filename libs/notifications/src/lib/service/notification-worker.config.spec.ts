import { envProblems, parseEnv } from '@shopnest/platform-config';
import { notificationWorkerEnvSchema, notificationWorkerProcessEnvSchema } from './notification-worker.config';

const required = {
  JWT_SECRET: 'a-test-secret-of-at-least-32-characters',
  KAFKA_BROKERS: '127.0.0.1:19092',
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/shopnest',
};

const problems = (env: NodeJS.ProcessEnv): string[] => envProblems(notificationWorkerEnvSchema, env);

describe('notificationWorkerEnvSchema', () => {
  it('needs only a JWT key, the brokers, Redis and the inbox database, and defaults the rest', () => {
    expect(parseEnv(notificationWorkerEnvSchema, required)).toEqual({
      http: { host: '127.0.0.1', port: 3002, keepAliveTimeoutMs: 65_000 },
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
      jwt: expect.objectContaining({ algorithms: ['HS256'], secretOrKey: required.JWT_SECRET }),
      // The event-bus fragment's own keys are that lib's to test; here only that they are wired.
      eventBus: expect.objectContaining({
        driver: 'kafka',
        kafka: expect.objectContaining({ brokers: ['127.0.0.1:19092'] }),
      }),
      fanout: {
        driver: 'redis',
        redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'socket.io' },
      },
      history: {
        driver: 'redis',
        limits: { maxLength: 1000, maxAgeMs: 86_400_000, dedupeTtlMs: 3_600_000 },
        redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'history:' },
      },
      notifications: {
        consumer: { group: 'notification-worker', fromBeginning: false, lagIntervalMs: 10_000 },
        retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 },
        canaryIntervalMs: 5_000,
        opsStatsIntervalMs: 2_000,
      },
      // No service may publish until PUBLISH_ALLOWLIST names it.
      publish: { allowlist: new Map() },
      // No CORS unless CORS_ORIGINS names the console's origin.
      cors: null,
      inbox: {
        store: {
          driver: 'postgres',
          url: required.DATABASE_URL,
          schema: 'inbox',
          poolMax: 10,
          timeoutMs: 5_000,
          preparedStatements: 100,
        },
        retention: { days: 90, intervalMs: 3_600_000, batchSize: 1_000 },
      },
    });
  });

  it('reads PUBLISH_ALLOWLIST and names its bad entries with the other bad keys', () => {
    const config = parseEnv(notificationWorkerEnvSchema, { ...required, PUBLISH_ALLOWLIST: 'payments=user:*' });
    expect(config.publish.allowlist).toEqual(new Map([['payments', ['user:*']]]));
    expect(() =>
      parseEnv(notificationWorkerEnvSchema, {
        ...required,
        PUBLISH_ALLOWLIST: 'x=support:agents',
        RETRY_ATTEMPTS: '0',
      }),
    ).toThrow(
      /PUBLISH_ALLOWLIST: x: "support:agents": internal channels cannot be published to[\s\S]*RETRY_ATTEMPTS|RETRY_ATTEMPTS[\s\S]*PUBLISH_ALLOWLIST: x: "support:agents"/,
    );
  });

  it('reads the retry policy, the lag interval and the history limits', () => {
    const config = parseEnv(notificationWorkerEnvSchema, {
      ...required,
      RETRY_ATTEMPTS: '8',
      RETRY_BASE_DELAY_MS: '50',
      RETRY_MAX_DELAY_MS: '20000',
      CONSUMER_LAG_INTERVAL_MS: '5000',
      HISTORY_MAX_LENGTH: '200',
      HISTORY_KEY_PREFIX: 'h:',
    });
    expect(config.notifications.retry).toEqual({ attempts: 8, baseDelayMs: 50, maxDelayMs: 20_000 });
    expect(config.notifications.consumer.lagIntervalMs).toBe(5_000);
    expect(config.history).toMatchObject({ limits: { maxLength: 200 }, redis: { keyPrefix: 'h:' } });
  });

  it('reads the consumer group and where a new group starts', () => {
    const config = parseEnv(notificationWorkerEnvSchema, {
      ...required,
      CONSUMER_GROUP: 'worker-blue',
      CONSUMER_FROM_BEGINNING: 'true',
      SOCKET_IO_KEY: 'edge-io',
    });
    expect(config.notifications.consumer).toMatchObject({
      group: 'worker-blue',
      fromBeginning: true,
    });
    expect(config.fanout).toEqual({
      driver: 'redis',
      redis: { url: required.REDIS_URL, keyPrefix: 'edge-io' },
    });
  });

  it('names every bad or missing key of every fragment at once', () => {
    const found = problems({
      PORT: 'abc',
      EVENT_BUS: 'nats',
      CONSUMER_FROM_BEGINNING: 'maybe',
      RETRY_ATTEMPTS: '0',
      HISTORY: 'files',
    }).map((p) => p.split(':')[0]);
    expect(found).toEqual(
      expect.arrayContaining([
        'PORT',
        'CONSUMER_FROM_BEGINNING',
        'EVENT_BUS',
        'REDIS_URL',
        'RETRY_ATTEMPTS',
        'HISTORY',
      ]),
    );
  });

  it('requires a JWT key: the dead-letter API verifies its callers', () => {
    expect(problems({ ...required, JWT_SECRET: undefined })).toEqual([
      'JWT_SECRET: set exactly one of JWT_SECRET (HS256), JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE (RS256/ES256)',
    ]);
  });

  it('reads the inbox database and retention, and names every bad inbox key', () => {
    const config = parseEnv(notificationWorkerEnvSchema, {
      ...required,
      DATABASE: 'pglite',
      DATABASE_SCHEMA: 'inbox_blue',
      INBOX_RETENTION_DAYS: '0',
      INBOX_PRUNE_INTERVAL_MS: '60000',
      INBOX_PRUNE_BATCH_SIZE: '50',
    });
    expect(config.inbox).toEqual({
      store: { driver: 'pglite', schema: 'inbox_blue' },
      retention: { days: 0, intervalMs: 60_000, batchSize: 50 },
    });
    const found = problems({
      ...required,
      DATABASE_URL: undefined,
      INBOX_RETENTION_DAYS: '-1',
      INBOX_PRUNE_INTERVAL_MS: 'soon',
      INBOX_PRUNE_BATCH_SIZE: '0',
    }).map((p) => p.split(':')[0]);
    expect(found).toEqual([
      'DATABASE_URL',
      'INBOX_RETENTION_DAYS',
      'INBOX_PRUNE_INTERVAL_MS',
      'INBOX_PRUNE_BATCH_SIZE',
    ]);
  });

  it('requires REDIS_URL: the worker pushes through Redis and keeps history there', () => {
    expect(
      problems({
        JWT_SECRET: required.JWT_SECRET,
        KAFKA_BROKERS: required.KAFKA_BROKERS,
        DATABASE_URL: required.DATABASE_URL,
      }),
    ).toEqual(['REDIS_URL: required when FANOUT=redis', 'REDIS_URL: required when HISTORY=redis']);
  });

  it('as its own process, refuses every in-process adapter, saying why', () => {
    expect(
      envProblems(notificationWorkerProcessEnvSchema, {
        JWT_SECRET: required.JWT_SECRET,
        EVENT_BUS: 'memory',
        FANOUT: 'local',
        HISTORY: 'memory',
        DATABASE: 'pglite',
      }).map((p) => p.split(' is refused')[0]),
    ).toEqual(['EVENT_BUS: memory', 'FANOUT: local', 'HISTORY: memory']);
    expect(envProblems(notificationWorkerProcessEnvSchema, required)).toEqual([]);
  });
});
