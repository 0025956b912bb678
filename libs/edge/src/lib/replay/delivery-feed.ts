import { Injectable, Optional } from '@nestjs/common';
import { Delivery } from '@shopnest/contracts';
import { RoomEmit, RoomEmitSource } from '@shopnest/platform-fanout';
import { MetricsService } from '@shopnest/platform-observability';
import { contextFrom, eventSpanAttributes, SpanKind, trace, tracingActive } from '@shopnest/platform-tracing';
import type { Histogram } from 'prom-client';

/** At most one delivery per this many ms is decoded for the latency histogram: a bounded cost at any rate. */
const LATENCY_SAMPLE_INTERVAL_MS = 100;

/** A delivery on its way out: the socket.io event name (the event's `type`) and its payload. */
export interface Outgoing {
  name: string;
  delivery: Delivery;
}

export type DeliverySink = (outgoing: Outgoing) => void;

const tracer = trace.getTracer('@shopnest/edge');

/**
 * Every delivery this edge's socket.io server hands to a channel's room, by channel, whether or not
 * a socket of this edge is in it. It reads the installed socket.io adapter as a `RoomEmitSource`
 * (public `onRoomEmit`: the Redis adapter's subscriber connection, or the one-process
 * `LocalFanout`), so a sink runs synchronously right after the room's sockets got each delivery,
 * in the server's order. Two uses: a socket replaying a channel buffers the channel's deliveries
 * until it joins the room (see `ChannelReplay`); an SSE stream, which has no socket, gets them all.
 *
 * @example
 * app.get(DeliveryFeed).use(redisIoAdapter); // once, where the adapter is installed
 * const stop = feed.listen('order:42', ({ name, delivery }) => write(name, delivery));
 */
@Injectable()
export class DeliveryFeed {
  private readonly sinks = new Map<string, Set<DeliverySink>>();
  private unsubscribe?: () => void;
  private readonly restoredListeners = new Set<() => void>();
  private unwatchRestored?: () => void;
  private unmeasure?: () => void;
  private untrace?: () => void;
  private readonly latency?: Histogram<string>;
  private nextSampleAt = 0;

  constructor(@Optional() metrics?: MetricsService) {
    if (!metrics) return;
    this.latency = metrics.histogram(
      'edge_delivery_latency_seconds',
      "From an event's time (its producer's commit) to this edge handing it to the channel's room; sampled, " +
        `at most one delivery per ${LATENCY_SAMPLE_INTERVAL_MS} ms`,
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
  }

  /** Reads deliveries from `source` (the edge's socket.io adapter) from now on. */
  use(source: RoomEmitSource): void {
    this.unsubscribe?.();
    this.unwatchRestored?.();
    this.unmeasure?.();
    this.untrace?.();
    // Tracing reads every delivery's `traceparent`, so it decodes them all: only when tracing is on.
    this.untrace = tracingActive() ? source.onRoomEmit((emit) => this.trace(emit)) : undefined;
    // The filter only reads the clock, so the adapter decodes no more than the samples.
    if (this.latency) {
      this.unmeasure = source.onRoomEmit(
        (emit) => this.measure(emit),
        () => Date.now() >= this.nextSampleAt,
      );
    }
    this.unwatchRestored = source.onFeedRestored?.(() => {
      for (const listener of [...this.restoredListeners]) listener();
    });
    // Only channels with a replay or stream in progress are reported (and decoded) at all.
    this.unsubscribe = source.onRoomEmit(
      (emit) => this.deliver(emit),
      (room) => this.sinks.has(room),
    );
  }

  /** Whether a source is in use: until then nothing can be listened to. */
  get attached(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Calls `sink` with each delivery to `channel` until the returned function is called. */
  listen(channel: string, sink: DeliverySink): () => void {
    if (!this.attached) throw new Error('DeliveryFeed: no socket.io adapter in use yet');
    let sinks = this.sinks.get(channel);
    if (!sinks) this.sinks.set(channel, (sinks = new Set()));
    sinks.add(sink);
    return () => {
      sinks.delete(sink);
      if (sinks.size === 0 && this.sinks.get(channel) === sinks) this.sinks.delete(channel);
    };
  }

  /**
   * Calls `listener` each time the source's feed was cut and is whole again: deliveries sent
   * meanwhile reached none of this edge's rooms or streams, so their clients must resume from
   * history (see `RoomEmitSource.onFeedRestored`).
   */
  onRestored(listener: () => void): () => void {
    this.restoredListeners.add(listener);
    return () => void this.restoredListeners.delete(listener);
  }

  private measure({ name, payload }: RoomEmit): void {
    const now = Date.now();
    if (now < this.nextSampleAt) return;
    this.nextSampleAt = now + LATENCY_SAMPLE_INTERVAL_MS;
    const time = Date.parse(toOutgoing(name, payload)?.delivery.event.time ?? '');
    if (Number.isFinite(time)) this.latency?.observe(Math.max(0, now - time) / 1000);
  }

  /**
   * A `deliver <channel>` span for a delivery that carries a trace context (the worker's publish
   * span): the last hop of the event's trace, as this edge hands it to the channel's room.
   */
  private trace({ room, name, payload }: RoomEmit): void {
    const outgoing = toOutgoing(name, payload);
    if (!outgoing?.delivery.event.traceparent) return;
    const { event, offset } = outgoing.delivery;
    const attributes = eventSpanAttributes(event, room, 'deliver');
    if (offset !== undefined) attributes['shopnest.channel.offset'] = offset;
    tracer.startSpan(`deliver ${room}`, { kind: SpanKind.CONSUMER, attributes }, contextFrom(event)).end();
  }

  private deliver({ room, name, payload }: RoomEmit): void {
    const sinks = this.sinks.get(room);
    if (!sinks) return;
    const outgoing = toOutgoing(name, payload);
    if (!outgoing || outgoing.delivery.channel !== room) return;
    for (const sink of [...sinks]) sink(outgoing);
  }
}

/** A delivery (`{ channel, event, offset? }` named by its type), or `undefined` for anything else in the room. */
function toOutgoing(name: string, payload: unknown): Outgoing | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { channel, event, offset } = payload as Partial<Delivery>;
  if (typeof channel !== 'string' || typeof event !== 'object' || event === null) return undefined;
  if (offset !== undefined && typeof offset !== 'string') return undefined;
  return { name, delivery: payload as Delivery };
}
