import { MetricsService } from '@shopnest/platform-observability';
import { RoomEmit, RoomEmitListeners, RoomEmitSource } from '@shopnest/platform-fanout';
import { recordSpans, testEnvelope } from '@shopnest/testing';
import { DeliveryFeed } from './delivery-feed';

/** A source that emits what the test says, through the same listener registry the adapters use. */
class ScriptedSource implements RoomEmitSource {
  readonly listeners = new RoomEmitListeners();
  decoded = 0;

  onRoomEmit(listener: (emit: RoomEmit) => void, rooms?: (room: string) => boolean): () => void {
    return this.listeners.add(listener, rooms);
  }

  /** As the Redis adapter does: decodes (and reports) only when some listener wants the room. */
  emit(room: string, ageMs: number, traceparent?: string): void {
    if (!this.listeners.wants(room)) return;
    this.decoded += 1;
    const event = {
      ...testEnvelope('o-1', 1),
      time: new Date(Date.now() - ageMs).toISOString(),
      ...(traceparent && { traceparent }),
    };
    this.listeners.notify({ room, name: event.type, payload: { channel: room, offset: '1-0', event } });
  }
}

describe('DeliveryFeed delivery latency', () => {
  it('observes event time → emit on a sample of deliveries, decoding no more than the samples', async () => {
    const metrics = new MetricsService('test');
    const feed = new DeliveryFeed(metrics);
    const source = new ScriptedSource();
    feed.use(source);
    source.emit('order:o-1', 250);
    for (let i = 0; i < 100; i++) source.emit('order:o-1', 0); // within the sample interval: not decoded
    const text = await metrics.registry.getSingleMetricAsString('shopnest_edge_delivery_latency_seconds');
    expect(text).toMatch(/_count\{[^}]*\} 1$/m);
    expect(Number(/_sum\{[^}]*\} ([\d.]+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(0.25);
    expect(source.decoded).toBe(1);
  });
});

describe('DeliveryFeed delivery spans', () => {
  const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('with tracing off, registers nothing: no delivery is decoded for it', () => {
    const source = new ScriptedSource();
    new DeliveryFeed().use(source);
    for (let i = 0; i < 10; i++) source.emit('order:o-1', 0, TRACEPARENT);
    expect(source.decoded).toBe(0);
  });

  it("with tracing on, a delivery span per traced delivery, child of the worker's publish span", async () => {
    const recorded = recordSpans();
    try {
      const source = new ScriptedSource();
      new DeliveryFeed().use(source);
      source.emit('order:o-1', 0, TRACEPARENT);
      source.emit('order:o-1', 0); // untraced (sent with tracing off): no span of its own
      const spans = recorded.named('deliver order:o-1');
      expect(spans).toHaveLength(1);
      expect(spans[0]?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(spans[0]?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
      expect(spans[0]?.attributes).toMatchObject({
        'shopnest.channel.offset': '1-0',
        'messaging.operation.type': 'deliver',
      });
    } finally {
      await recorded.stop();
    }
  });
});
