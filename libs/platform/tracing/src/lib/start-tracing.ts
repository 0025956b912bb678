import { diag, DiagConsoleLogger, DiagLogLevel, ProxyTracerProvider, trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import { parseTracingEnv, TracingConfig } from './tracing.config';

/** A started (or deliberately absent) tracer provider; `shutdown()` flushes what is buffered. */
export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered and stops; idempotent; never rejects. */
  shutdown(): Promise<void>;
}

/** What the API's global provider delegates to while no SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether a tracer provider is registered in this process (by {@link startTracing}, or a test's):
 * for work that only tracing needs (decoding a delivery to read its `traceparent`), so that with
 * tracing off it is not done at all.
 */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * Starts OpenTelemetry tracing for `service` from the standard `OTEL_*` variables (see
 * {@link tracingEnvSchema}), before Nest loads (the HTTP instrumentation patches `http` as it is
 * required): a `NodeTracerProvider` with W3C trace-context propagation, the OTLP/HTTP exporter
 * (protobuf or JSON) or the console one, batched, and the HTTP server/client instrumentation.
 *
 * Off (the default) it loads no SDK and registers nothing: `@opentelemetry/api` stays the no-op,
 * so the hand-made spans cost a function call and no trace context is written anywhere.
 *
 * @example
 * const tracing = startTracing('order-tracking');
 * // ... run the service; on shutdown, after the app closed:
 * await tracing.shutdown();
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const config = parseTracingEnv(env);
  if (!config.enabled) return OFF;
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  // Loaded only when on: off, not even the SDK's modules are required.
  const { NodeTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { defaultResource, resourceFromAttributes, detectResources, envDetector } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');

  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': service }))
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the built-in name.
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporterFor(config))],
  });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    // Health and metrics probes would bury the traces that matter.
    instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => isProbe(request.url) })],
  });
  // `http` may be loaded already (the app's imports come first): requiring it again through the
  // instrumentation's hook patches it in place (its Server prototype and request functions).
  require('http');
  require('https');
  let shutdown: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () =>
      (shutdown ??= (async () => {
        unregister();
        await provider.shutdown().catch((error: unknown) => diag.warn(`tracing shutdown: ${String(error)}`));
      })()),
  };
}

function exporterFor(config: TracingConfig): SpanExporter {
  if (config.exporter === 'console') {
    const { ConsoleSpanExporter } =
      require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
    return new ConsoleSpanExporter();
  }
  const { OTLPTraceExporter } = (
    config.protocol === 'http/json'
      ? require('@opentelemetry/exporter-trace-otlp-http')
      : require('@opentelemetry/exporter-trace-otlp-proto')
  ) as typeof import('@opentelemetry/exporter-trace-otlp-http');
  // Endpoint, headers and timeout come from the OTEL_EXPORTER_OTLP_* variables.
  return new OTLPTraceExporter();
}

const isProbe = (url: string | undefined): boolean => /^\/(health|metrics)(\/|\?|$)/.test(url ?? '');
