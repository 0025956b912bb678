import { context, SpanKind, trace } from '@opentelemetry/api';
import { recordSpans, RecordedSpans } from '@shopnest/testing';
import { tracingActive } from './start-tracing';
import { contextFrom, currentTraceContext, inSpan, withTraceContext } from './trace-context';

const tracer = () => trace.getTracer('test');
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const event = { id: 'e-1', type: 'order.status_changed', subject: 'o-1' };

describe('trace context helpers with tracing off (no provider: the API no-op)', () => {
  it('capture nothing and leave events as they are', () => {
    const span = tracer().startSpan('s');
    expect(currentTraceContext()).toBeUndefined();
    expect(currentTraceContext(contextFrom({ traceparent: TRACEPARENT }))).toBeUndefined();
    expect(withTraceContext(event, span)).toBe(event);
    expect(span.isRecording()).toBe(false);
    expect(tracingActive()).toBe(false);
  });
});

describe('trace context helpers with tracing on', () => {
  let recorded: RecordedSpans;
  beforeEach(() => (recorded = recordSpans()));
  afterEach(() => recorded.stop());

  it('report tracing as active while a provider is registered', () => {
    expect(tracingActive()).toBe(true);
  });

  it('capture the active span as a W3C traceparent (what an outbox row keeps)', () => {
    tracer().startActiveSpan('request', (span) => {
      const { traceId, spanId } = span.spanContext();
      expect(currentTraceContext()).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
      span.end();
    });
    expect(currentTraceContext(context.active())).toBeUndefined(); // outside any span: nothing to carry
  });

  it('continue a carried trace: a span started in contextFrom(carrier) is its child', () => {
    const parent = { traceparent: TRACEPARENT, tracestate: 'vendor=opaque' };
    tracer().startSpan('relay', {}, contextFrom(parent)).end();
    const [span] = recorded.named('relay');
    expect(span?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span?.spanContext().traceState?.get('vendor')).toBe('opaque');
  });

  it('start a new trace when the carrier has none', () => {
    tracer().startSpan('fresh', {}, contextFrom({})).end();
    expect(recorded.named('fresh')[0]?.parentSpanContext).toBeUndefined();
  });

  it("put a span's context in an event's traceparent, replacing the previous hop's", () => {
    const span = tracer().startSpan('publish', {}, contextFrom({ traceparent: TRACEPARENT }));
    const traced = withTraceContext({ ...event, traceparent: TRACEPARENT }, span);
    const { traceId, spanId } = span.spanContext();
    expect(traced).toEqual({ ...event, traceparent: `00-${traceId}-${spanId}-01` });
    expect(traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    span.end();
  });

  it('inSpan ends the span and marks it failed when the work rejects', async () => {
    await expect(
      inSpan(tracer(), 'work', SpanKind.CONSUMER, context.active(), { a: 1 }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [span] = recorded.named('work');
    expect(span?.status).toMatchObject({ code: 2, message: 'boom' });
    expect(span?.attributes).toEqual({ a: 1 });
    expect(span?.kind).toBe(SpanKind.CONSUMER);
  });
});
