import { trace } from '@shopnest/platform-tracing';
import { recordSpans, waitFor } from '@shopnest/testing';
import { assignCourier, Order, placeOrder, Position, transition } from './order';
import {
  orderCourierAssignedEvent,
  orderCreatedEvent,
  orderLocationUpdatedEvent,
  orderStatusChangedEvent,
} from './order-events.factory';
import { OrderNotFound, OrderVersionConflict } from './order.errors';
import { OrderRepository, PositionReport } from './order.repository.port';
import { Outbox, OutboxEntry } from '@shopnest/platform-outbox';

/** A fresh, empty store for one test; `close` releases it. */
export interface OrderStoreUnderTest {
  repository: OrderRepository;
  outbox: Outbox;
  close(): Promise<void>;
}

/**
 * The contract every order store (repository + outbox) passes: in memory, PGlite and the
 * PostgreSQL server run this same suite.
 */
export function describeOrderStoreContract(name: string, open: () => Promise<OrderStoreUnderTest>): void {
  describe(`order store contract: ${name}`, () => {
    let store: OrderStoreUnderTest;
    let repository: OrderRepository;
    let outbox: Outbox;

    // Generous: the first open may start a database (PGlite compiles WebAssembly).
    beforeEach(async () => {
      store = await open();
      ({ repository, outbox } = store);
    }, 60_000);
    afterEach(() => store.close());

    const newOrder = (customerId = 'u-1') => placeOrder({ customerId, itemsSummary: '1 × tea', totalCents: 450 });
    const create = async (order = newOrder()) => {
      await repository.create(order, orderCreatedEvent(order));
      return order;
    };
    const confirm = async (order: Order) => {
      const next = transition(order, 'confirmed');
      await repository.update(next, order.version, orderStatusChangedEvent(next, order.status));
      return next;
    };
    const withCourier = async (courierId = 'c-1') => {
      const order = await create();
      const next = assignCourier(order, courierId);
      await repository.update(next, order.version, orderCourierAssignedEvent(next));
      return next;
    };
    const report = (order: Order, lat: number, minEventIntervalMs: number, courierId = 'c-1'): PositionReport => {
      const position: Position = { lat, lng: 13.4, heading: 90, at: new Date().toISOString() };
      return {
        orderId: order.id,
        courierId,
        position,
        event: (stored) => orderLocationUpdatedEvent(stored, courierId, position),
        minEventIntervalMs,
      };
    };
    /** Drains everything due, collecting what was published. */
    const relayAll = async (published: OutboxEntry[] = []) => {
      while ((await outbox.relay(50, async (entries) => void published.push(...entries))) > 0);
      return published;
    };
    const types = (entries: { event: { type: string } }[]) => entries.map((entry) => entry.event.type);

    it('finds what it created, and null for an unknown id; a second create of the id is refused', async () => {
      const order = await create();
      await expect(repository.findById(order.id)).resolves.toEqual(order);
      await expect(repository.findById('0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60')).resolves.toBeNull();
      await expect(repository.findById('not-a-uuid')).resolves.toBeNull();
      const other = await create();
      const found = await repository.findByIds([
        order.id,
        'not-a-uuid',
        '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60',
        other.id,
        order.id,
      ]);
      expect(found.sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
        [order, other].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      await expect(repository.findByIds(['not-a-uuid'])).resolves.toEqual([]);
      await expect(repository.create(order, orderCreatedEvent(order))).rejects.toThrow(/already exists/);
      expect(types(await repository.timeline(order.id))).toEqual(['order.created']);
    });

    it('updates only from the expected version: of two writers from the same read, one wins, and only its event is kept', async () => {
      const order = await create();
      const confirmed = transition(order, 'confirmed');
      await repository.update(confirmed, 1, orderStatusChangedEvent(confirmed, 'placed'));
      const cancelled = transition(order, 'cancelled');
      await expect(repository.update(cancelled, 1, orderStatusChangedEvent(cancelled, 'placed'))).rejects.toEqual(
        expect.objectContaining({ constructor: OrderVersionConflict, currentVersion: 2 }),
      );
      await expect(repository.findById(order.id)).resolves.toMatchObject({ status: 'confirmed', version: 2 });
      const timeline = await repository.timeline(order.id);
      expect(timeline.map((entry) => entry.event.sequence)).toEqual([1, 2]);
      expect(timeline[1]?.event).toMatchObject({ data: { to: 'confirmed' } });
    });

    it('refuses to update an unknown order, appending nothing', async () => {
      const order = newOrder();
      const next = transition(order, 'confirmed');
      await expect(repository.update(next, 1, orderStatusChangedEvent(next, 'placed'))).rejects.toBeInstanceOf(
        OrderNotFound,
      );
      await expect(repository.timeline(order.id)).resolves.toEqual([]);
      await expect(outbox.backlog()).resolves.toMatchObject({ pending: 0 });
    });

    it('relays every committed event once, per order in change order, then marks it published', async () => {
      const a = await confirm(await create());
      const b = await create(newOrder('u-2'));
      await confirm(b);
      await repository.update(
        transition(a, 'packed'),
        a.version,
        orderStatusChangedEvent(transition(a, 'packed'), 'confirmed'),
      );
      await expect(outbox.backlog()).resolves.toMatchObject({ pending: 5, oldestAgeMs: expect.any(Number) });

      const published = await relayAll();
      expect(published.map((entry) => entry.event.id).sort()).toEqual(
        [...(await repository.timeline(a.id)), ...(await repository.timeline(b.id))]
          .map((entry) => entry.event.id)
          .sort(),
      );
      for (const order of [a, b]) {
        const sequences = published.filter((entry) => entry.key === order.id).map((entry) => entry.event.sequence);
        expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
      }
      expect(published.every((entry) => entry.createdAt instanceof Date)).toBe(true);
      await expect(outbox.relay(50, async () => undefined)).resolves.toBe(0);
      await expect(outbox.backlog()).resolves.toEqual({ pending: 0, oldestAgeMs: null, nextDueInMs: null });
      const timeline = await repository.timeline(a.id);
      expect(timeline.every((entry) => entry.publishedAt !== null)).toBe(true);
    });

    it('keeps the trace context of each change with its outbox entry (tracing on), and none with tracing off', async () => {
      const untraced = await create();
      const recorded = recordSpans();
      try {
        const tracer = trace.getTracer('test');
        /** Runs `change` in a request span, as the HTTP server span would; resolves with its traceparent. */
        const inRequest = (change: () => Promise<unknown>) =>
          tracer.startActiveSpan('request', async (span) => {
            await change().finally(() => span.end());
            const { traceId, spanId } = span.spanContext();
            return `00-${traceId}-${spanId}-01`;
          });
        const confirmed = await inRequest(() => confirm(untraced));
        let created: Order | undefined;
        const placed = await inRequest(async () => (created = await create()));
        const published = await relayAll();
        const traceOf = (orderId: string, type: string) =>
          published.find((entry) => entry.key === orderId && entry.event.type === type)?.trace;
        expect(traceOf(untraced.id, 'order.created')).toBeUndefined();
        expect(traceOf(untraced.id, 'order.status_changed')).toEqual({ traceparent: confirmed });
        expect(traceOf(created?.id ?? '', 'order.created')).toEqual({ traceparent: placed });
      } finally {
        await recorded.stop();
      }
    });

    it('marks nothing when publishing fails: the same events come again', async () => {
      const order = await create();
      await expect(outbox.relay(50, async () => Promise.reject(new Error('Kafka down')))).rejects.toThrow('Kafka down');
      expect((await repository.timeline(order.id))[0]?.publishedAt).toBeNull();
      const published = await relayAll();
      expect(published.map((entry) => entry.event.id)).toEqual(
        (await repository.timeline(order.id)).map((entry) => entry.event.id),
      );
    });

    it('hands an order to one relay at a time: nothing of it is offered while its earlier event is being published', async () => {
      const order = await create();
      const second: OutboxEntry[] = [];
      await outbox.relay(50, async () => {
        // A change committed while the first relay publishes: it must wait for the first to finish.
        await confirm(order);
        await outbox.relay(50, async (entries) => void second.push(...entries)).catch(() => 0);
      });
      expect(second).toEqual([]);
      expect(types(await relayAll())).toEqual(['order.status_changed']);
    });

    it('wakes a watcher after each change that appended an event: creation, status change, position', async () => {
      let woken = 0;
      const stop = await outbox.watch(() => woken++);
      const wokenBy = async (change: () => Promise<unknown>) => {
        await waitFor(() => woken > 0, 5000); // an adapter may call once on listening
        const before = woken;
        await change();
        await waitFor(() => woken > before, 5000);
      };

      const order = await create();
      await wokenBy(() => create());
      await wokenBy(() => confirm(order));
      const delivering = await withCourier();
      await wokenBy(() => repository.recordPosition(report(delivering, 52.1, 0)));
      await stop();
    });

    it('stores every position, and coalesces its events to the rate: the latest position is published, late by at most the interval', async () => {
      const order = await withCourier();
      await relayAll();
      const first = await repository.recordPosition(report(order, 52.1, 1500));
      expect(first).toMatchObject({ event: 'queued', order: { position: { lat: 52.1 }, version: 2 } });
      expect(types(await relayAll())).toEqual(['order.location_updated']);

      for (const lat of [52.2, 52.3, 52.4]) {
        const outcome = await repository.recordPosition(report(order, lat, 1500));
        await expect(repository.findById(order.id)).resolves.toMatchObject({ position: { lat }, version: 2 });
        expect(outcome?.event).toBe(lat === 52.2 ? 'queued' : 'coalesced');
      }
      // Not due yet: nothing goes out, and the backlog says when it will be.
      await expect(relayAll()).resolves.toEqual([]);
      const backlog = await outbox.backlog();
      expect(backlog.pending).toBe(1);
      expect(backlog.nextDueInMs).toBeGreaterThan(0);
      expect(backlog.nextDueInMs).toBeLessThanOrEqual(1500);

      const late: OutboxEntry[] = [];
      await waitFor(async () => (await relayAll(late)).length > 0, 5000, 25);
      expect(late.map((entry) => entry.event)).toEqual([
        expect.objectContaining({
          type: 'order.location_updated',
          sequence: 2,
          data: expect.objectContaining({ lat: 52.4, courierId: 'c-1' }),
        }),
      ]);
      expect(types(await repository.timeline(order.id))).toEqual([
        'order.created',
        'order.courier_assigned',
        'order.location_updated',
        'order.location_updated',
      ]);
    });

    it('publishes a waiting position at once when the state changes, before the state change', async () => {
      const order = await withCourier();
      await repository.recordPosition(report(order, 52.1, 60_000));
      await relayAll();
      await repository.recordPosition(report(order, 52.2, 60_000)); // waits a minute for its slot
      await expect(relayAll()).resolves.toEqual([]);
      await confirm(order);
      const published = await relayAll();
      expect(published.map((entry) => [entry.event.type, entry.event.sequence])).toEqual([
        ['order.location_updated', 2],
        ['order.status_changed', 3],
      ]);
      expect(published[0]?.event.data).toMatchObject({ lat: 52.2 });
      await expect(repository.findById(order.id)).resolves.toMatchObject({
        status: 'confirmed',
        position: { lat: 52.2 },
      });
    });

    it('never loses a position that arrives while its predecessor is being published', async () => {
      const order = await withCourier();
      await relayAll();
      await repository.recordPosition(report(order, 52.1, 0));
      const published: OutboxEntry[] = [];
      await outbox.relay(50, async (entries) => {
        published.push(...entries);
        await repository.recordPosition(report(order, 52.9, 0));
      });
      await relayAll(published);
      expect(published.map((entry) => (entry.event.data as { lat: number }).lat).at(-1)).toBe(52.9);
      await expect(outbox.backlog()).resolves.toMatchObject({ pending: 0 });
    });

    it("stores no position from a courier who is not the order's, or for a final order", async () => {
      const order = await withCourier('c-1');
      await expect(repository.recordPosition(report(order, 52.1, 0, 'c-2'))).resolves.toBeNull();
      const unknown = newOrder();
      await expect(repository.recordPosition(report(unknown, 52.1, 0))).resolves.toBeNull();
      const cancelled = transition(order, 'cancelled');
      await repository.update(cancelled, order.version, orderStatusChangedEvent(cancelled, order.status));
      await expect(repository.recordPosition(report(order, 52.1, 0))).resolves.toBeNull();
      await expect(repository.findById(order.id)).resolves.toMatchObject({ position: null });
      expect(types(await repository.timeline(order.id))).not.toContain('order.location_updated');
    });

    it('prunes published entries past the retention, never pending ones, and keeps the timeline (positions aside)', async () => {
      const order = await withCourier();
      await repository.recordPosition(report(order, 52.1, 0));
      await relayAll();
      const confirmed = await confirm(order);
      // Published ones are older than a cutoff in the future; the confirmation is still pending.
      const future = new Date(Date.now() + 60_000);
      let pruned = 0;
      for (let batch = -1; batch !== 0; ) pruned += batch = await outbox.prune(future, 2);
      expect(pruned).toBe(3);
      await expect(outbox.backlog()).resolves.toMatchObject({ pending: 1 });
      expect(types(await relayAll())).toEqual(['order.status_changed']);
      const timeline = await repository.timeline(confirmed.id);
      expect(types(timeline)).toEqual(['order.created', 'order.courier_assigned', 'order.status_changed']);
      expect(timeline.every((entry) => entry.publishedAt !== null)).toBe(true);
      await expect(outbox.prune(new Date(Date.now() - 60_000), 10)).resolves.toBe(0);
    });

    it("lists a customer's and a courier's orders, newest first, a page at a time", async () => {
      const mine = [];
      for (let i = 0; i < 3; i++) mine.push(await create(newOrder('lister')));
      await create(newOrder('someone-else'));
      const carried = await withCourier('c-lister');
      const page1 = await repository.list({ customerId: 'lister' }, { limit: 2 });
      expect(page1.map((order) => order.id)).toEqual([mine[2]?.id, mine[1]?.id]);
      const page2 = await repository.list({ customerId: 'lister' }, { limit: 2, before: page1[1]?.id });
      expect(page2.map((order) => order.id)).toEqual([mine[0]?.id]);
      await expect(repository.list({ courierId: 'c-lister' }, { limit: 10 })).resolves.toEqual([carried]);
      await expect(repository.list({ customerId: 'nobody' }, { limit: 10 })).resolves.toEqual([]);
    });
  });
}
