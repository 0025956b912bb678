import { RoomEmitListeners } from '@shopnest/platform-fanout';
import { MetricsService } from '@shopnest/platform-observability';
import { CANARY_ROOM } from '@shopnest/contracts';
import { testEnvelope } from '@shopnest/testing';
import { DeliveryFeed } from '../replay/delivery-feed';
import { DeliveryCanary } from './delivery-canary';

describe('DeliveryCanary', () => {
  it('is healthy from start-up for the threshold, then only while canaries keep arriving', () => {
    const feed = new DeliveryFeed();
    const emits = new RoomEmitListeners();
    feed.use({ onRoomEmit: (listener, rooms) => emits.add(listener, rooms) });
    const canary = new DeliveryCanary(1_000, new MetricsService('test'));
    canary.watch(feed);
    const start = Date.now();
    expect(canary.health(start)).toMatchObject({ status: 'ok', canaryAgeMs: null });
    expect(canary.health(start + 1_500)).toMatchObject({ status: 'error', canaryAgeMs: null });
    const event = { ...testEnvelope('w-1', 1), type: 'canary.ping' };
    emits.notify({ room: CANARY_ROOM, name: event.type, payload: { channel: CANARY_ROOM, event } });
    const arrived = Date.now();
    expect(canary.health(arrived + 10)).toMatchObject({ status: 'ok', canaryAgeMs: 10 });
    expect(canary.health(arrived + 1_001)).toMatchObject({ status: 'error', canaryAgeMs: 1_001 });
    canary.onModuleDestroy();
  });
});
