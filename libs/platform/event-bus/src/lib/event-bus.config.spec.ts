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
        keyConcurrency: 8,
      },
    });
    expect(parseEnv(eventBusEnvSchema, { KAFKA_BROKERS: 'a:1', KAFKA_CLIENT_ID: 'edge' }).kafka?.clientId).toBe('edge');
  });

  it('requires KAFKA_BROKERS only with EVENT_BUS=kafka, naming the key', () => {
    expect(() => parseEnv(eventBusEnvSchema, {})).toThrow(/KAFKA_BROKERS: required when EVENT_BUS=kafka/);
    expect(() => parseEnv(eventBusEnvSchema, { EVENT_BUS: 'kafka', KAFKA_BROKERS: ' , ' })).toThrow(/KAFKA_BROKERS/);
    expect(parseEnv(eventBusEnvSchema, { EVENT_BUS: 'memory' })).toEqual({ driver: 'memory' });
  });

  it.each([
    ['KAFKA_CONSUMER_CONCURRENCY', 'consumerConcurrency'],
    ['KAFKA_CONSUMER_KEY_CONCURRENCY', 'keyConcurrency'],
  ] as const)('reads %s, refusing one outside 1-64 by name', (key, field) => {
    expect(parseEnv(eventBusEnvSchema, { KAFKA_BROKERS: 'a:1', [key]: '1' }).kafka?.[field]).toBe(1);
    for (const bad of ['0', '65', 'x'])
      expect(() => parseEnv(eventBusEnvSchema, { KAFKA_BROKERS: 'a:1', [key]: bad })).toThrow(new RegExp(key));
  });

  it('refuses an unknown driver, naming EVENT_BUS', () => {
    expect(() => parseEnv(eventBusEnvSchema, { EVENT_BUS: 'rabbit', KAFKA_BROKERS: 'a:1' })).toThrow(/EVENT_BUS/);
  });
});
