import { parseEnv } from '@shopnest/platform-config';
import { TEST_JWT_ENV } from '@shopnest/testing';
import { orderTrackingEnvSchema } from './app.config';

const load = (env: NodeJS.ProcessEnv) => parseEnv(orderTrackingEnvSchema, env);

describe('order-tracking config', () => {
  it('defaults the port to 3001 and nests each fragment', () => {
    const config = load({ ...TEST_JWT_ENV, KAFKA_BROKERS: '127.0.0.1:19092' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(config.eventBus).toEqual({ driver: 'kafka', kafka: { brokers: ['127.0.0.1:19092'], clientId: 'shopnest', namespace: '' } });
    expect(config.jwt).toMatchObject({ algorithms: ['HS256'], issuer: TEST_JWT_ENV.JWT_ISSUER });
  });

  it('runs on the in-memory bus without Kafka settings', () => {
    expect(load({ ...TEST_JWT_ENV, EVENT_BUS: 'memory', PORT: '4000' })).toMatchObject({
      http: { port: 4000 },
      eventBus: { driver: 'memory' },
    });
  });

  it('names every bad key of every fragment at once', () => {
    expect(() => load({ PORT: 'x', EVENT_BUS: 'kafka' })).toThrow(/PORT[\s\S]*JWT_SECRET[\s\S]*KAFKA_BROKERS/);
    expect(() => load({ ...TEST_JWT_ENV, EVENT_BUS: 'carrier-pigeon' })).toThrow(/EVENT_BUS/);
  });
});
