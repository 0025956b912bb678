import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ORDERS_TOPIC, OrderEvent } from '@shopnest/contracts';
import { InMemoryEventBus } from '@shopnest/platform-event-bus';
import { MetricsService } from '@shopnest/platform-observability';
import { waitFor } from '@shopnest/testing';
import { NotificationsModule } from './notifications.module';
import { OrderEventsConsumer } from './order-events.consumer';
import { orderEvent } from './testing/order-event.fixture';
import { platformFixture } from './testing/platform.fixture';
import { RecordingFanout } from './testing/recording-fanout.fixture';

describe('OrderEventsConsumer', () => {
  let bus: InMemoryEventBus;
  let fanout: RecordingFanout;
  let metrics: MetricsService;
  let app: INestApplication;
  /** The consumer's `stop()`, seen through a spy, so a test can tell when it ran. */
  let stopConsuming: jest.Mock<Promise<void>, []>;


  beforeEach(async () => {
    bus = new InMemoryEventBus({ redeliveryDelayMs: 5 });
    fanout = new RecordingFanout();
    metrics = new MetricsService('notification-worker-test');
    const consume = bus.consume.bind(bus);
    jest.spyOn(bus, 'consume').mockImplementation(async (options) => {
      const consumption = await consume(options);
      stopConsuming = jest.fn(() => consumption.stop());
      return { stop: stopConsuming };
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        platformFixture(bus, fanout, metrics),
        NotificationsModule.forRoot({
          consumer: { group: 'notification-worker', fromBeginning: false },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
    await bus.close();
  });

  const publish = (...events: OrderEvent[]) =>
    bus.publish(
      ORDERS_TOPIC,
      events.map((event) => ({ key: event.data.orderId, event })),
    );

  const pushesOf = (eventId: string) =>
    fanout.emitted
      .filter((e) => e.delivery.event.id === eventId)
      .map((e) => ({ channel: e.delivery.channel, volatile: e.volatile }));

  async function metric(
    name: string,
    labels: Record<string, string>,
  ): Promise<number> {
    const values =
      (await metrics.registry.getSingleMetric(`shopnest_${name}`)?.get())
        ?.values ?? [];
    return values
      .filter((v) =>
        Object.entries(labels).every(([k, l]) => v.labels[k] === l),
      )
      .reduce((sum, v) => sum + v.value, 0);
  }

  it('pushes a status change to its order, its customer and the ops board, not volatile', async () => {
    const event = orderEvent('order.status_changed', {
      orderId: 'o-1',
      customerId: 'u-1',
    });
    await publish(event);
    await waitFor(() => pushesOf(event.id).length === 3);

    expect(pushesOf(event.id)).toEqual(
      expect.arrayContaining([
        { channel: 'order:o-1', volatile: false },
        { channel: 'user:u-1', volatile: false },
        { channel: 'ops:orders', volatile: false },
      ]),
    );
    expect(fanout.emitted[0]?.delivery.event).toEqual(event);
    expect(
      await metric('events_consumed_total', { type: 'order.status_changed' }),
    ).toBe(1);
    expect(await metric('events_pushed_total', { channel_kind: 'order' })).toBe(
      1,
    );
    expect(await metric('events_pushed_total', { channel_kind: 'user' })).toBe(
      1,
    );
    expect(await metric('events_pushed_total', { channel_kind: 'ops' })).toBe(
      1,
    );
  });

  it('pushes a location update to its order only, as volatile', async () => {
    const event = orderEvent('order.location_updated', { orderId: 'o-2' });
    await publish(event);
    await waitFor(() => pushesOf(event.id).length === 1);

    expect(pushesOf(event.id)).toEqual([
      { channel: 'order:o-2', volatile: true },
    ]);
  });

  it('skips and counts a record that does not decode, and goes on with the next one', async () => {
    await bus.publishRaw(ORDERS_TOPIC, {
      key: 'o-3',
      value: Buffer.from('{not json'),
    });
    const next = orderEvent('order.created', { orderId: 'o-3' });
    await publish(next);
    await waitFor(() => pushesOf(next.id).length === 1);

    expect(
      await metric('events_dead_lettered_total', { reason: 'undecodable' }),
    ).toBe(1);
    expect(fanout.emitted).toHaveLength(1);
  });

  it('skips and counts an envelope that is not a valid order event, and goes on with the next one', async () => {
    const valid = orderEvent('order.status_changed', { orderId: 'o-4' });
    const invalid = {
      ...valid,
      id: '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f61',
      data: { ...valid.data, to: 'teleported' },
    };
    await bus.publish(ORDERS_TOPIC, [
      { key: 'o-4', event: invalid as OrderEvent },
    ]);
    await publish(valid);
    await waitFor(() => pushesOf(valid.id).length === 3);

    expect(
      await metric('events_dead_lettered_total', { reason: 'invalid' }),
    ).toBe(1);
    expect(pushesOf(invalid.id)).toEqual([]);
  });

  it('rejects when a push fails, so the bus delivers the event again, and pushes it on the retry', async () => {
    fanout.failNext(1);
    const event = orderEvent('order.status_changed', { orderId: 'o-5' });
    await publish(event);
    // The first attempt loses one of its three pushes; the redelivery pushes all three.
    await waitFor(() => pushesOf(event.id).length === 2 + 3);

    expect(
      new Set(
        pushesOf(event.id)
          .slice(2)
          .map((p) => p.channel),
      ),
    ).toEqual(new Set(['order:o-5', 'user:u-1', 'ops:orders']));
    expect(
      await metric('event_processing_seconds', { outcome: 'failed' }),
    ).toBeGreaterThan(0);
  });

  it('handle() rejects on a failed push and resolves once the fanout is back', async () => {
    const consumer = app.get(OrderEventsConsumer);
    const event = orderEvent('order.courier_assigned');
    const message = {
      kind: 'event',
      topic: ORDERS_TOPIC,
      partition: 0,
      offset: '0',
      key: 'o-1',
      event,
    } as const;

    fanout.failNext(1);
    await expect(consumer.handle(message)).rejects.toThrow(
      'fanout unavailable',
    );
    await expect(consumer.handle(message)).resolves.toBeUndefined();
    expect(pushesOf(event.id)).toEqual([
      { channel: 'order:o-1', volatile: false },
    ]);
  });

  it('on shutdown, stops consuming before the bus closes, and finishes the event in hand first', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const emit = fanout.emit.bind(fanout);
    jest.spyOn(fanout, 'emit').mockImplementation(async (delivery, options) => {
      await gate;
      return emit(delivery, options);
    });
    const busClosed = jest.spyOn(bus, 'close');
    const inHand = orderEvent('order.created', { orderId: 'o-6' });
    await publish(inHand);
    await waitFor(() => (fanout.emit as jest.Mock).mock.calls.length === 1);

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await waitFor(() => stopConsuming.mock.calls.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false); // still pushing the event in hand
    release();
    await closing;

    expect(pushesOf(inHand.id)).toHaveLength(1);
    expect(busClosed).toHaveBeenCalled();
    expect(stopConsuming.mock.invocationCallOrder[0]).toBeLessThan(
      busClosed.mock.invocationCallOrder[0] ?? 0,
    );
  });
});
