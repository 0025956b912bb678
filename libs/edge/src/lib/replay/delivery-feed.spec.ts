import { MetricsService } from '@shopnest/platform-observability';
import { RoomEmit, RoomEmitListeners, RoomEmitSource } from '@shopnest/platform-fanout';
import { testEnvelope } from '@shopnest/testing';
import { DeliveryFeed } from './delivery-feed';

/** A source that emits what the test says, through the same listener registry the adapters use. */
class ScriptedSource implements RoomEmitSource {
  readonly listeners = new RoomEmitListeners();
  decoded = 0;

  onRoomEmit(listener: (emit: RoomEmit) => void, rooms?: (room: string) => boolean): () => void {
    return this.listeners.add(listener, rooms);
  }

  /** As the Redis adapter does: decodes (and reports) only when some listener wants the room. */
  emit(room: string, ageMs: number): void {
    if (!this.listeners.wants(room)) return;
    this.decoded += 1;
    const event = { ...testEnvelope('o-1', 1), time: new Date(Date.now() - ageMs).toISOString() };
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
