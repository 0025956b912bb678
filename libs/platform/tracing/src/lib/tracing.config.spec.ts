import { trace } from '@opentelemetry/api';
import { envProblems } from '@shopnest/platform-config';
import { startTracing, tracingActive } from './start-tracing';
import { parseTracingEnv, tracingEnvSchema } from './tracing.config';

describe('tracing config (OTEL_*)', () => {
  it('is off by default, and then startTracing registers nothing', async () => {
    expect(parseTracingEnv({})).toMatchObject({ enabled: false, exporter: 'none' });
    const tracing = startTracing('test', {});
    expect(tracing.enabled).toBe(false);
    expect(tracingActive()).toBe(false);
    expect(trace.getTracer('t').startSpan('s').isRecording()).toBe(false);
    await tracing.shutdown();
  });

  it('turns on with an OTLP endpoint or an exporter, protobuf unless told JSON', () => {
    expect(parseTracingEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({
      enabled: true,
      exporter: 'otlp',
      protocol: 'http/protobuf',
    });
    expect(
      parseTracingEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }),
    ).toMatchObject({ enabled: true, protocol: 'http/json' });
    expect(parseTracingEnv({ OTEL_TRACES_EXPORTER: 'console' })).toMatchObject({ enabled: true });
  });

  it('stays off when the SDK is disabled or the exporter is none, whatever the endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(parseTracingEnv({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(parseTracingEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
  });

  it('names every bad key', () => {
    expect(
      envProblems(tracingEnvSchema, {
        OTEL_SDK_DISABLED: 'yes',
        OTEL_TRACES_EXPORTER: 'zipkin',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      }).map((problem) => problem.split(':')[0]),
    ).toEqual([
      'OTEL_SDK_DISABLED',
      'OTEL_TRACES_EXPORTER',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
    ]);
  });
});
