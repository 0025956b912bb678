import { z } from 'zod';
import { ConfigError, csv, envFragments, envProblems, parseEnv, port, refusing, serviceEnv } from './env-config';

const schema = z
  .object({ HTTP_PORT: port(3000), KAFKA_BROKERS: csv(), NAME: z.string().min(1) })
  .transform((e) => ({ http: { port: e.HTTP_PORT }, kafka: { brokers: e.KAFKA_BROKERS }, name: e.NAME }));

describe('parseEnv', () => {
  it('turns env strings into a typed nested config with defaults', () => {
    expect(parseEnv(schema, { KAFKA_BROKERS: 'a:1, b:2', NAME: 'x' })).toEqual({
      http: { port: 3000 },
      kafka: { brokers: ['a:1', 'b:2'] },
      name: 'x',
    });
  });

  it('names every bad key at once', () => {
    let error: unknown;
    try {
      parseEnv(schema, { HTTP_PORT: '99999', KAFKA_BROKERS: ' , ' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems.join('\n')).toMatch(/HTTP_PORT/);
    expect(problems.join('\n')).toMatch(/KAFKA_BROKERS/);
    expect(problems.join('\n')).toMatch(/NAME/);
  });
});

describe('envFragments', () => {
  const schema = envFragments({
    service: serviceEnv(3001),
    bus: z.object({ KAFKA_BROKERS: csv() }).transform((e) => ({ brokers: e.KAFKA_BROKERS })),
  });

  it('gives each fragment its parsed output under its name', () => {
    expect(parseEnv(schema, { KAFKA_BROKERS: 'k:1', PORT: '4000' })).toEqual({
      service: {
        http: { host: '127.0.0.1', port: 4000, keepAliveTimeoutMs: 65_000 },
        logLevel: 'info',
        shutdownTimeoutMs: 10_000,
      },
      bus: { brokers: ['k:1'] },
    });
  });

  it('reads how long idle keep-alive connections are kept, and names a bad value', () => {
    const service = envFragments({ service: serviceEnv(3001) });
    expect(parseEnv(service, { HTTP_KEEP_ALIVE_TIMEOUT_MS: '75000' }).service.http.keepAliveTimeoutMs).toBe(75_000);
    expect(() => parseEnv(service, { HTTP_KEEP_ALIVE_TIMEOUT_MS: '-1' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
  });

  it('reports the bad keys of every fragment together', () => {
    expect(() => parseEnv(schema, { PORT: 'x' })).toThrow(/PORT[\s\S]*KAFKA_BROKERS/);
  });
});

describe('refusing', () => {
  const schema = refusing(z.object({ BUS: z.enum(['kafka', 'memory']), PORT: port(3000) }), [
    { key: 'BUS', value: 'memory', why: 'no other process would see its events' },
  ]);

  it('passes the config through when no refused value is set', () => {
    expect(parseEnv(schema, { BUS: 'kafka' })).toEqual({ BUS: 'kafka', PORT: 3000 });
  });

  it('names the refused value and why, together with the other bad keys', () => {
    expect(envProblems(schema, { BUS: 'memory', PORT: 'x' })).toEqual([
      expect.stringMatching(/^PORT: /),
      'BUS: memory is refused: no other process would see its events',
    ]);
  });
});
