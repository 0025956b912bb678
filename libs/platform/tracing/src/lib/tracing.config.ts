import { parseEnv } from '@shopnest/platform-config';
import { z } from 'zod';

const flag = z
  .enum(['true', 'false', ''])
  .default('false')
  .transform((value) => value === 'true');

/**
 * The `OTEL_*` keys the services read themselves (the OTLP exporter and the batch span processor
 * read their own: `OTEL_EXPORTER_OTLP_ENDPOINT`, `_HEADERS`, `_TIMEOUT`, `OTEL_BSP_*`, and the SDK
 * `OTEL_TRACES_SAMPLER` / `_ARG`; the resource detector `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`).
 *
 * Unlike the OpenTelemetry default, `OTEL_TRACES_EXPORTER` unset means off, unless an OTLP endpoint
 * is set: tracing is opt-in, and off it registers nothing.
 */
export const tracingEnvSchema = z
  .object({
    OTEL_SDK_DISABLED: flag,
    OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json']).optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/protobuf', 'http/json']).optional(),
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
  })
  .transform((env) => {
    const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const exporter = env.OTEL_TRACES_EXPORTER ?? (endpoint ? 'otlp' : 'none');
    return {
      enabled: !env.OTEL_SDK_DISABLED && exporter !== 'none',
      exporter,
      /** The OTLP/HTTP encoding; protobuf is the specification's default. */
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
      serviceName: env.OTEL_SERVICE_NAME,
    };
  });

export type TracingConfig = z.output<typeof tracingEnvSchema>;

/** Reads the tracing keys from `env`; throws a `ConfigError` naming every bad one. */
export const parseTracingEnv = (env: NodeJS.ProcessEnv): TracingConfig => parseEnv(tracingEnvSchema, env);
