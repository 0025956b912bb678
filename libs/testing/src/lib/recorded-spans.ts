import { context, propagation, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';

/** Spans recorded in this process by {@link recordSpans}. */
export interface RecordedSpans {
  /** Every span ended so far, in end order. */
  spans(): ReadableSpan[];
  /** The ended spans named `name`. */
  named(name: string): ReadableSpan[];
  /** Unregisters the provider: the API is the no-op again. */
  stop(): Promise<void>;
}

/**
 * Registers a tracer provider (W3C propagation, async context) that keeps every span in memory,
 * as a running service's would export them: for unit tests of the hand-made spans.
 *
 * @example
 * const recorded = recordSpans();
 * await relay.start(); ...
 * expect(recorded.named('publish shopnest.orders.v1')).toHaveLength(1);
 * await recorded.stop();
 */
export function recordSpans(): RecordedSpans {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  return {
    spans: () => exporter.getFinishedSpans(),
    named: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    stop: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
