import { z } from 'zod';

/**
 * CloudEvents 1.0 envelope (structured mode) plus the per-aggregate `sequence` and the optional
 * distributed-tracing extension (`traceparent`, `tracestate`).
 * On Kafka it travels in binary mode: `ce_*` headers and `data` as the value (see the Kafka adapter).
 */
export const envelopeSchema = z.object({
  specversion: z.literal('1.0'),
  /** UUIDv7: time-ordered, and the idempotency key for consumers and clients. */
  id: z.uuid(),
  type: z.string().min(1),
  /** The producing service, e.g. `/shopnest/order-tracking`. */
  source: z.string().min(1),
  /** The aggregate id (the order id for order events). */
  subject: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  /** Increments by one per change of the aggregate; lets consumers order and de-duplicate. */
  sequence: z.number().int().nonnegative(),
  data: z.unknown(),
  /**
   * CloudEvents distributed-tracing extension: the W3C trace context of the step that sent this
   * copy of the event (the outbox relay on Kafka, the worker on a channel), so the next service
   * continues the same trace. Absent when tracing is off; never part of the event's identity. A
   * malformed value is dropped, as W3C Trace Context asks, never a reason to refuse the event.
   */
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .optional()
    .catch(undefined),
  /** The W3C `tracestate` that goes with `traceparent` (vendor entries), when there is one. */
  tracestate: z.string().max(512).optional().catch(undefined),
});

export type Envelope<TType extends string = string, TData = unknown> = Omit<
  z.infer<typeof envelopeSchema>,
  'type' | 'data'
> & { type: TType; data: TData };

/** Source attribute of every event order-tracking emits. */
export const ORDER_TRACKING_SOURCE = '/shopnest/order-tracking';
