import { parseEnv } from '@shopnest/platform-config';
import { eventBusEnvSchema } from './event-bus.config';

describe('eventBusEnvSchema', () => {
  it('defaults to kafka and parses the broker list', () => {
    expect(parseEnv(eventBusEnvSchema, { KAFKA_BROKERS: ' a:9092, b:9092 ,' })).toEqual({
      driver: 'kafka',
      kafka: {
        brokers: ['a:9092', 'b:9092'],
        clientId: 'shopnest',
        namespace: '',
        sessionTimeoutMs: 30_000,
        consumerConcurrency: 6,
      },
    });
    expect(parseEnv(eventBusEnvSchema, { KAFKA_BROKERS: 'a:1', KAFKA_CLIENT_ID: 'edge' }).kafka?.clientId).toBe('edge');
  });

  it('requires KAFKA_BROKERS only with EVENT_BUS=kafka, naming the key', () => {
    expect(() => parseEnv(eventBusEnvSchema, {})).toThrow(/KAFKA_BROKERS: required when EVENT_BUS=kafka/);
    expect(() => parseEnv(eventBusEnvSchema, { EVENT_BUS: 'kafka', KAFKA_BROKERS: ' , ' })).toThrow(/KAFKA_BROKERS/);
    expect(parseEnv(eventBusEnvSchema, { EVENT_BUS: 'memory' })).toEqual({ driver: 'memory' });
  });

  it('reads the consumer concurrency, refusing one outside 1-64 by name', () => {
    expect(
      parseEnv(eventBusEnvSchema, { KAFKA_BROKERS: 'a:1', KAFKA_CONSUMER_CONCURRENCY: '1' }).kafka?.consumerConcurrency,
    ).toBe(1);
    expect(() => parseEnv(eventBusEnvSchema, { KAFKA_BROKERS: 'a:1', KAFKA_CONSUMER_CONCURRENCY: '0' })).toThrow(
      /KAFKA_CONSUMER_CONCURRENCY/,
    );
    expect(() => parseEnv(eventBusEnvSchema, { KAFKA_BROKERS: 'a:1', KAFKA_CONSUMER_CONCURRENCY: '65' })).toThrow(
      /KAFKA_CONSUMER_CONCURRENCY/,
    );
  });

  it('refuses an unknown driver, naming EVENT_BUS', () => {
    expect(() => parseEnv(eventBusEnvSchema, { EVENT_BUS: 'rabbit', KAFKA_BROKERS: 'a:1' })).toThrow(/EVENT_BUS/);
  });
});
