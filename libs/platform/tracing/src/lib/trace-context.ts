import {
  Attributes,
  context,
  Context,
  propagation,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  Tracer,
} from '@opentelemetry/api';

/**
 * A W3C trace context as text: what the CloudEvents distributed-tracing extension carries
 * (`traceparent`, `tracestate` attributes; `ce_traceparent` / `ce_tracestate` Kafka headers) and
 * what an outbox row keeps of the request that wrote it.
 */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** Anything that may carry a trace context: an envelope, an outbox entry. */
export type TraceCarrier = Partial<TraceContext> | null | undefined;

/**
 * The trace context of `ctx` (default: the active one) as text, or `undefined` when there is none
 * to carry: tracing off (the no-op propagator writes nothing) or no span in `ctx`.
 *
 * @example
 * await tx.query(append.sql, [...values, currentTraceContext()?.traceparent ?? null]);
 */
export function currentTraceContext(ctx: Context = context.active()): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const { traceparent, tracestate } = carrier;
  if (!traceparent) return undefined;
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The context that continues `carrier`'s trace, or `parent` (default: the active one) when it carries none. */
export function contextFrom(carrier: TraceCarrier, parent: Context = context.active()): Context {
  if (!carrier?.traceparent) return parent;
  return propagation.extract(parent, carrier.tracestate ? carrier : { traceparent: carrier.traceparent });
}

/**
 * `event` carrying the trace context of `span` in its CloudEvents distributed-tracing attributes
 * (replacing any it had: each hop names its own span as the parent of the next). Unchanged when
 * there is nothing to carry (tracing off).
 *
 * @example
 * await bus.publish(topic, [{ key, event: withTraceContext(event, span) }]);
 */
export function withTraceContext<E extends TraceCarrier & object>(event: E, span: Span): E {
  const carried = currentTraceContext(trace.setSpan(context.active(), span));
  if (!carried) return event;
  const traced: E = { ...event, ...carried };
  if (!carried.tracestate) delete traced.tracestate; // the previous hop's state is not this span's
  return traced;
}

/** The CloudEvents and messaging attributes of a span that handles one event. */
export function eventSpanAttributes(
  event: { id: string; type: string; subject: string },
  destination: string,
  operation: 'publish' | 'process' | 'deliver',
): Attributes {
  return {
    'messaging.destination.name': destination,
    'messaging.operation.type': operation,
    'messaging.message.id': event.id,
    'cloudevents.event_id': event.id,
    'cloudevents.event_type': event.type,
    'cloudevents.event_subject': event.subject,
  };
}

/**
 * Runs `work` in a new active span, child of `parent`: ends it when `work` settles and marks it
 * failed (with the exception) when `work` rejects.
 *
 * @example
 * await inSpan(tracer, `process ${topic}`, SpanKind.CONSUMER, contextFrom(event), attrs, () => handle(event));
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  kind: SpanKind,
  parent: Context,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks `span` failed with `error`. */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

export { context, SpanKind, trace } from '@opentelemetry/api';
export type { Span, Tracer } from '@opentelemetry/api';
