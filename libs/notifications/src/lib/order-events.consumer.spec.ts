import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ORDERS_DLQ_TOPIC, ORDERS_TOPIC, OrderEvent } from '@shopnest/contracts';
import { IncomingMessage, InMemoryEventBus } from '@shopnest/platform-event-bus';
import { InMemoryHistory, InMemoryProcessedEvents } from '@shopnest/platform-history';
import { MetricsService, ReadinessRegistry } from '@shopnest/platform-observability';
import { recordSpans, waitFor } from '@shopnest/testing';
import { NotificationsConfig } from './notifications.config';
import { NotificationsModule } from './notifications.module';
import { DLQ_HEADERS } from './dlq/dead-letter-headers';
import { OrderEventsConsumer } from './event-stream.consumer';
import { routeEvent } from './routing';
import { orderEvent, orderMessage } from './testing/order-event.fixture';
import { platformFixture } from './testing/platform.fixture';
import { RecordingFanout } from './testing/recording-fanout.fixture';

const config: NotificationsConfig = {
  consumer: { group: 'notification-worker', fromBeginning: false, lagIntervalMs: 60_000 },
  retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  canaryIntervalMs: 0,
};

/** A dead letter as read back from the DLQ topic: its headers and bytes, whether or not they decode. */
const letter = (m: IncomingMessage) =>
  m.kind === 'malformed'
    ? { key: m.key, headers: m.headers, value: m.value }
    : { key: m.key, headers: m.raw.headers, value: m.raw.value };

describe('OrderEventsConsumer', () => {
  let bus: InMemoryEventBus;
  let fanout: RecordingFanout;
  let history: InMemoryHistory;
  let processed: InMemoryProcessedEvents;
  let metrics: MetricsService;
  let readiness: ReadinessRegistry;
  let app: INestApplication;
  let deadLetters: IncomingMessage[];
  /** The consumer's `stop()`, seen through a spy, so a test can tell when it ran. */
  let stopConsuming: jest.Mock<Promise<void>, []>;

  beforeEach(async () => {
    bus = new InMemoryEventBus({ redeliveryDelayMs: 5 });
    fanout = new RecordingFanout();
    history = new InMemoryHistory();
    processed = new InMemoryProcessedEvents(60_000);
    metrics = new MetricsService('notification-worker-test');
    readiness = new ReadinessRegistry();
    deadLetters = [];
    await bus.consume({
      topic: ORDERS_DLQ_TOPIC,
      group: 'dlq-reader',
      fromBeginning: true,
      handler: async (m) => void deadLetters.push(m),
    });
    const consume = bus.consume.bind(bus);
    jest.spyOn(bus, 'consume').mockImplementation(async (options) => {
      const consumption = await consume(options);
      stopConsuming = jest.fn(() => consumption.stop());
      return { stop: stopConsuming, lag: () => consumption.lag() };
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        platformFixture({ bus, fanout, metrics, history, processed, readiness }),
        NotificationsModule.forRoot(config),
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

  /** What each push of an event (or of what was derived from it) looked like. */
  const pushesOf = (orderId: string) =>
    fanout.emitted
      .filter((e) => e.delivery.event.subject === orderId)
      .map((e) => ({
        channel: e.delivery.channel,
        type: e.delivery.event.type,
        offset: e.delivery.offset,
        volatile: e.volatile,
      }));

  const message = orderMessage;

  async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const values = (await metrics.registry.getSingleMetric(`shopnest_${name}`)?.get())?.values ?? [];
    return values
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .filter((v) => !('metricName' in v) || !String(v.metricName).endsWith('_bucket'))
      .reduce((sum, v) => sum + v.value, 0);
  }

  it("continues the producer's trace: a process span, a publish span per channel, and each pushed copy names its publish span", async () => {
    const recorded = recordSpans();
    try {
      const relaySpan = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
      const event = {
        ...orderEvent('order.status_changed', { orderId: 'o-t', customerId: 'u-t' }),
        traceparent: `00-${relaySpan.traceId}-${relaySpan.spanId}-01`,
      };
      await app.get(OrderEventsConsumer).handle(message(event));

      const [processing] = recorded.named(`process ${ORDERS_TOPIC}`);
      expect(processing?.parentSpanContext?.spanId).toBe(relaySpan.spanId);
      expect(processing?.spanContext().traceId).toBe(relaySpan.traceId);
      const pushes = fanout.emitted.filter((e) => e.delivery.event.subject === 'o-t');
      expect(pushes).toHaveLength(4);
      for (const { delivery } of pushes) {
        const [publish] = recorded
          .named(`publish ${delivery.channel}`)
          .filter(
            (span) => delivery.event.traceparent === `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
          );
        expect(publish?.parentSpanContext?.spanId).toBe(processing?.spanContext().spanId);
      }
    } finally {
      await recorded.stop();
    }
  });

  it('appends a status change to each channel history and pushes it with that offset, plus a notification to the customer', async () => {
    const event = orderEvent('order.status_changed', { orderId: 'o-1', customerId: 'u-1' });
    await publish(event);
    await waitFor(() => pushesOf('o-1').length === 4);

    const order = await history.readSince('order:o-1');
    const user = await history.readSince('user:u-1');
    const ops = await history.readSince('ops:orders');
    expect(pushesOf('o-1')).toEqual(
      expect.arrayContaining([
        { channel: 'order:o-1', type: 'order.status_changed', offset: order.events[0]?.offset, volatile: false },
        { channel: 'user:u-1', type: 'order.status_changed', offset: user.events[0]?.offset, volatile: false },
        { channel: 'user:u-1', type: 'notification.order_status', offset: user.events[1]?.offset, volatile: false },
        { channel: 'ops:orders', type: 'order.status_changed', offset: ops.events[0]?.offset, volatile: false },
      ]),
    );
    expect(order.events.map((e) => e.event)).toEqual([event]);
    expect(user.events[1]?.event.data).toEqual({
      orderId: 'o-1',
      status: 'out_for_delivery',
      text: 'Your order is out for delivery',
    });
    expect(await metric('events_consumed_total', { type: 'order.status_changed' })).toBe(1);
    expect(await metric('events_pushed_total', { channel_kind: 'order' })).toBe(1);
    expect(await metric('events_pushed_total', { channel_kind: 'user' })).toBe(2);
    expect(await metric('events_pushed_total', { channel_kind: 'ops' })).toBe(1);
  });

  it('keeps the order channel’s snapshot with the offset of its last event; only the order channel has one', async () => {
    const ref = { orderId: 'o-snap', customerId: 'u-snap' };
    const created = orderEvent('order.created', ref, 1);
    const changed = orderEvent('order.status_changed', ref, 2);
    const position = orderEvent('order.location_updated', ref, 2);
    await publish(created, changed, position);
    await waitFor(() => pushesOf('o-snap').length === [created, changed, position].flatMap(routeEvent).length);

    const { events } = await history.readSince('order:o-snap');
    expect(await history.snapshot('order:o-snap')).toEqual({
      offset: events[1]?.offset,
      state: expect.objectContaining({
        id: 'o-snap',
        status: 'out_for_delivery',
        version: 2,
        position: { lat: 52.52, lng: 13.405, at: position.time },
      }),
    });
    expect(await history.snapshot('user:u-snap')).toBeNull();
    expect(await history.snapshot('ops:orders')).toBeNull();
  });

  it('keeps a location update as the latest volatile event only, and pushes it without an offset, queued (never dropped by a busy transport)', async () => {
    const first = orderEvent('order.location_updated', { orderId: 'o-2' }, 1);
    const second = orderEvent('order.location_updated', { orderId: 'o-2' }, 2);
    await publish(first, second);
    await waitFor(() => pushesOf('o-2').length === 2);

    expect(pushesOf('o-2')).toEqual([
      { channel: 'order:o-2', type: 'order.location_updated', offset: undefined, volatile: false },
      { channel: 'order:o-2', type: 'order.location_updated', offset: undefined, volatile: false },
    ]);
    expect(await history.readSince('order:o-2')).toEqual({ events: [], recovered: true });
    expect(await history.latestVolatile('order:o-2')).toEqual(second);
  });

  it('dead-letters a record that does not decode, with its bytes and the error in headers, and goes on', async () => {
    const value = Buffer.from('{not json');
    await bus.publishRaw(ORDERS_TOPIC, { key: 'o-3', value, headers: { 'x-trace': 't-1' } });
    const next = orderEvent('order.courier_assigned', { orderId: 'o-3' });
    await publish(next);
    await waitFor(() => pushesOf('o-3').length === 1 && deadLetters.length === 1);

    const dead = letter(deadLetters[0] as IncomingMessage);
    expect(dead.key).toBe('o-3');
    expect(dead.value?.equals(value)).toBe(true);
    expect(dead.headers).toMatchObject({
      'x-trace': 't-1',
      [DLQ_HEADERS.reason]: 'undecodable',
      [DLQ_HEADERS.error]: expect.stringMatching(/not JSON/),
      [DLQ_HEADERS.topic]: ORDERS_TOPIC,
      [DLQ_HEADERS.group]: 'notification-worker',
      [DLQ_HEADERS.partition]: expect.stringMatching(/^\d+$/),
      [DLQ_HEADERS.offset]: '0',
    });
    expect(await metric('events_dead_lettered_total', { reason: 'undecodable' })).toBe(1);
  });

  it('dead-letters an envelope that is not a valid order event, naming the field, and goes on', async () => {
    const valid = orderEvent('order.status_changed', { orderId: 'o-4' });
    const invalid = { ...valid, id: '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f61', data: { ...valid.data, to: 'teleported' } };
    await bus.publish(ORDERS_TOPIC, [{ key: 'o-4', event: invalid as OrderEvent }]);
    await publish(valid);
    await waitFor(() => pushesOf('o-4').length === 4 && deadLetters.length === 1);

    expect(letter(deadLetters[0] as IncomingMessage).headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'invalid',
      [DLQ_HEADERS.error]: expect.stringMatching(/data\.to/),
    });
    expect(fanout.emitted.filter((e) => e.delivery.event.id === invalid.id)).toEqual([]);
    expect(await metric('events_dead_lettered_total', { reason: 'invalid' })).toBe(1);
  });

  it('retries a failed push with backoff, re-pushing only the channel that failed, within one delivery', async () => {
    fanout.failNext(1);
    const event = orderEvent('order.status_changed', { orderId: 'o-5' });
    await publish(event);
    await waitFor(() => pushesOf('o-5').length === 4);

    expect(
      pushesOf('o-5')
        .map((p) => `${p.channel} ${p.type}`)
        .sort(),
    ).toEqual([
      'ops:orders order.status_changed',
      'order:o-5 order.status_changed',
      'user:u-1 notification.order_status',
      'user:u-1 order.status_changed',
    ]);
    expect((await history.readSince('order:o-5')).events).toHaveLength(1);
    expect(await metric('events_retried_total')).toBe(1);
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters an event that still fails after its attempts, with the attempts in headers, and goes on', async () => {
    fanout.failNext(Number.MAX_SAFE_INTEGER);
    const poison = orderEvent('order.courier_assigned', { orderId: 'o-6' });
    await publish(poison);
    await waitFor(() => deadLetters.length === 1);
    fanout.failNext(0);
    const next = orderEvent('order.courier_assigned', { orderId: 'o-6' }, 2);
    await publish(next);
    await waitFor(() => pushesOf('o-6').length === 1);

    const dead = letter(deadLetters[0] as IncomingMessage);
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'failed',
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.error]: 'fanout unavailable',
    });
    expect(JSON.parse(dead.value?.toString() ?? '')).toEqual(poison);
    expect(await metric('events_retried_total')).toBe(2);
    expect(fanout.emitted[0]?.delivery.event.id).toBe(next.id);
  });

  it('does not dead-letter during an outage: rejects so the bus redelivers, and delivers once it is over', async () => {
    const consumer = app.get(OrderEventsConsumer);
    let redisUp = false;
    readiness.register('redis', async () => {
      if (!redisUp) throw new Error('Redis down');
    });
    fanout.failNext(Number.MAX_SAFE_INTEGER);
    const event = orderEvent('order.courier_assigned', { orderId: 'o-7' });

    await expect(consumer.handle(message(event))).rejects.toThrow('fanout unavailable');
    redisUp = true;
    fanout.failNext(0);
    await expect(consumer.handle(message(event))).resolves.toBeUndefined();

    expect(deadLetters).toEqual([]);
    expect(pushesOf('o-7')).toHaveLength(1);
  });

  it('does not dead-letter when the outage seen after a failed try is over by the last check', async () => {
    const consumer = app.get(OrderEventsConsumer);
    // Down while tries are retried, back once the last one (of 3) has failed.
    readiness.register('redis', async () => {
      if ((await metric('events_retried_total')) < 2) throw new Error('Redis down');
    });
    fanout.failNext(Number.MAX_SAFE_INTEGER);
    const event = orderEvent('order.courier_assigned', { orderId: 'o-10' });

    await expect(consumer.handle(message(event))).rejects.toThrow('fanout unavailable');

    expect(deadLetters).toEqual([]);
  });

  it('skips an event redelivered after it was fully handled, and counts it', async () => {
    const consumer = app.get(OrderEventsConsumer);
    const event = orderEvent('order.status_changed', { orderId: 'o-8' });

    await consumer.handle(message(event));
    await consumer.handle(message(event));

    expect(pushesOf('o-8')).toHaveLength(4);
    expect(await metric('events_duplicates_skipped_total')).toBe(1);
  });

  it('asks ProcessedEvents only about events with a volatile route: the others rely on the publisher’s idempotency', async () => {
    const consumer = app.get(OrderEventsConsumer);
    const has = jest.spyOn(processed, 'has');
    const add = jest.spyOn(processed, 'add');
    const status = orderEvent('order.status_changed', { orderId: 'o-11' });
    const position = orderEvent('order.location_updated', { orderId: 'o-11' });

    await consumer.handle(message(status));
    await consumer.handle(message(status));
    expect(has).not.toHaveBeenCalled();
    expect(add).not.toHaveBeenCalled();
    expect(pushesOf('o-11')).toHaveLength(4); // one per route, the redelivery pushed nothing

    await consumer.handle(message(position));
    await consumer.handle(message(position));
    expect(has.mock.calls).toEqual([[position.id], [position.id]]);
    expect(add.mock.calls).toEqual([[position.id]]);
    expect(pushesOf('o-11')).toHaveLength(5); // a redelivered position is not pushed again
    expect(await metric('events_duplicates_skipped_total')).toBe(2);
  });

  it('redelivered after it was published (a crash before the Kafka commit): pushes nothing twice, one history entry', async () => {
    const consumer = app.get(OrderEventsConsumer);
    const event = orderEvent('order.created', { orderId: 'o-9' });
    await consumer.handle(message(event));
    const first = pushesOf('o-9');
    jest.spyOn(processed, 'has').mockResolvedValueOnce(false); // the crash lost the "handled" mark: only the publisher's idempotency is left

    await consumer.handle(message(event));

    expect(pushesOf('o-9')).toEqual(first);
    expect((await history.readSince('order:o-9')).events).toHaveLength(1);
  });

  it("reports the group's lag per partition", async () => {
    const consumer = app.get(OrderEventsConsumer);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const emit = fanout.emit.bind(fanout);
    jest.spyOn(fanout, 'emit').mockImplementation(async (delivery, options) => {
      await gate;
      return emit(delivery, options);
    });
    await publish(...[1, 2, 3].map((sequence) => orderEvent('order.created', { orderId: 'o-10' }, sequence)));

    await waitFor(async () => {
      await consumer.refreshLag();
      return (await metric('consumer_lag')) === 3;
    });
    release();
    await waitFor(async () => {
      await consumer.refreshLag();
      return (await metric('consumer_lag')) === 0;
    });
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
    const inHand = orderEvent('order.courier_assigned', { orderId: 'o-11' });
    await publish(inHand);
    await waitFor(() => (fanout.emit as jest.Mock).mock.calls.length === 1);

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await waitFor(() => stopConsuming.mock.calls.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false); // still pushing the event in hand
    release();
    await closing;

    expect(pushesOf('o-11')).toHaveLength(1);
    expect(busClosed).toHaveBeenCalled();
    expect(stopConsuming.mock.invocationCallOrder[0]).toBeLessThan(busClosed.mock.invocationCallOrder[0] ?? 0);
  });
});
