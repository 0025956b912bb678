import { envProblems, parseEnv } from '@shopnest/platform-config';
import { notificationWorkerEnvSchema } from './notification-worker.config';

const required = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

const problems = (env: NodeJS.ProcessEnv): string[] => envProblems(notificationWorkerEnvSchema, env);

describe('notificationWorkerEnvSchema', () => {
  it('needs only the brokers and Redis, and defaults the rest', () => {
    expect(parseEnv(notificationWorkerEnvSchema, required)).toEqual({
      http: { host: '127.0.0.1', port: 3002 },
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
      // The event-bus fragment's own keys are that lib's to test; here only that they are wired.
      eventBus: expect.objectContaining({
        driver: 'kafka',
        kafka: expect.objectContaining({ brokers: ['127.0.0.1:19092'] }),
      }),
      fanout: {
        driver: 'redis',
        redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'socket.io' },
      },
      notifications: {
        consumer: { group: 'notification-worker', fromBeginning: false },
      },
    });
  });

  it('reads the consumer group and where a new group starts', () => {
    const config = parseEnv(notificationWorkerEnvSchema, {
      ...required,
      CONSUMER_GROUP: 'worker-blue',
      CONSUMER_FROM_BEGINNING: 'true',
      SOCKET_IO_KEY: 'edge-io',
    });
    expect(config.notifications.consumer).toEqual({
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
    }).map((p) => p.split(':')[0]);
    expect(found).toEqual(
      expect.arrayContaining([
        'PORT',
        'CONSUMER_FROM_BEGINNING',
        'EVENT_BUS',
        'REDIS_URL',
      ]),
    );
  });

  it('requires REDIS_URL: the worker has no sockets of its own to push to', () => {
    expect(problems({ KAFKA_BROKERS: required.KAFKA_BROKERS })).toEqual([
      'REDIS_URL: required: the worker pushes events through Redis',
    ]);
  });
});
