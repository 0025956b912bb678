import { ORDER_TRACKING_SOURCE, orderEventSchema, Principal } from '@shopnest/contracts';
import { InMemoryOrderRepository } from './in-memory-order.repository';
import { OrderChangeRefused, TransitionRefused } from './order';
import { OrderAccessDenied, OrderInputInvalid, OrderNotFound, OrderVersionConflict } from './order.errors';
import { OrdersService } from './orders.service';
import { OutboxEntry } from '@shopnest/platform-outbox';

const customer = (userId: string): Principal => ({ userId, roles: ['customer'] });
const ops: Principal = { userId: 'ops-1', roles: ['ops'] };
const service: Principal = { userId: 'checkout', roles: ['service'] };
const agent: Principal = { userId: 'agent-1', roles: ['agent'] };
const courier: Principal = { userId: 'courier-1', roles: ['courier'] };

describe('OrdersService', () => {
  let repository: InMemoryOrderRepository;
  let published: OutboxEntry[];
  let orders: OrdersService;

  beforeEach(() => {
    repository = new InMemoryOrderRepository();
    published = [];
    orders = new OrdersService(repository, { locationEventsPerSecond: 1 });
  });

  /** What the relay would publish now: every event committed and due. */
  const drain = async () => {
    while ((await repository.outbox.relay(100, async (entries) => void published.push(...entries))) > 0);
    return published;
  };

  const order = () => orders.createOrder(customer('u-1'), { itemsSummary: '2 × espresso beans', totalCents: 2400 });

  it('creates an order for the calling customer and stores a valid order.created with it, keyed by order id', async () => {
    const created = await order();
    expect(created).toMatchObject({ customerId: 'u-1', status: 'placed', version: 1, totalCents: 2400 });
    await drain();
    expect(published).toHaveLength(1);
    const [{ key, event }] = published as [OutboxEntry];
    expect(key).toBe(created.id);
    expect(orderEventSchema.parse(event)).toMatchObject({
      specversion: '1.0',
      type: 'order.created',
      source: ORDER_TRACKING_SOURCE,
      subject: created.id,
      datacontenttype: 'application/json',
      sequence: 1,
      data: {
        orderId: created.id,
        customerId: 'u-1',
        status: 'placed',
        itemsSummary: '2 × espresso beans',
        totalCents: 2400,
      },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('stores a valid order.status_changed with from, to and the new version as sequence', async () => {
    const created = await order();
    const confirmed = await orders.changeStatus(ops, created.id, 'confirmed');
    expect(confirmed).toMatchObject({ status: 'confirmed', version: 2 });
    await drain();
    const event = published[1]?.event;
    expect(published[1]?.key).toBe(created.id);
    expect(orderEventSchema.parse(event)).toMatchObject({
      type: 'order.status_changed',
      subject: created.id,
      sequence: 2,
      data: { orderId: created.id, customerId: 'u-1', from: 'placed', to: 'confirmed' },
    });
  });

  it('gives every event its own id, in time order', async () => {
    const created = await order();
    await orders.changeStatus(ops, created.id, 'confirmed');
    const [first, second] = (await drain()).map((p) => p.event.id);
    expect(first).not.toBe(second);
    expect([first, second].sort()).toEqual([first, second]);
  });

  it('lets a service create an order for a named customer, and requires the name', async () => {
    await expect(
      orders.createOrder(service, { itemsSummary: 'x', totalCents: 1, customerId: 'u-9' }),
    ).resolves.toMatchObject({
      customerId: 'u-9',
    });
    await expect(orders.createOrder(service, { itemsSummary: 'x', totalCents: 1 })).rejects.toBeInstanceOf(
      OrderInputInvalid,
    );
  });

  it('refuses a customer creating an order for someone else', async () => {
    await expect(
      orders.createOrder(customer('u-1'), { itemsSummary: 'x', totalCents: 1, customerId: 'u-2' }),
    ).rejects.toBeInstanceOf(OrderAccessDenied);
    expect(await drain()).toEqual([]);
  });

  it('refuses a stale expected version, storing nothing and emitting nothing', async () => {
    const created = await order();
    await orders.changeStatus(ops, created.id, 'confirmed', 1);
    await expect(orders.changeStatus(ops, created.id, 'packed', 1)).rejects.toEqual(
      expect.objectContaining({ constructor: OrderVersionConflict, expectedVersion: 1, currentVersion: 2 }),
    );
    await expect(orders.getOrder(ops, created.id)).resolves.toMatchObject({ status: 'confirmed', version: 2 });
    expect(await drain()).toHaveLength(2);
  });

  it('refuses a transition the state machine forbids, storing nothing and emitting nothing', async () => {
    const created = await order();
    await expect(orders.changeStatus(ops, created.id, 'delivered')).rejects.toBeInstanceOf(TransitionRefused);
    await expect(orders.getOrder(ops, created.id)).resolves.toMatchObject({ status: 'placed', version: 1 });
    expect(await drain()).toHaveLength(1);
  });

  it('lets only ops and services change a status', async () => {
    const created = await order();
    await expect(orders.changeStatus(customer('u-1'), created.id, 'cancelled')).rejects.toBeInstanceOf(
      OrderAccessDenied,
    );
    await expect(orders.changeStatus(service, created.id, 'cancelled')).resolves.toMatchObject({ status: 'cancelled' });
  });

  it('shows an order to its customer, ops, agents and services; to anyone else it does not exist', async () => {
    const created = await order();
    for (const reader of [customer('u-1'), ops, agent, service]) {
      await expect(orders.getOrder(reader, created.id)).resolves.toMatchObject({ id: created.id });
    }
    for (const stranger of [customer('u-2'), courier]) {
      await expect(orders.getOrder(stranger, created.id)).rejects.toBeInstanceOf(OrderNotFound);
    }
    await expect(orders.changeStatus(ops, 'missing', 'confirmed')).rejects.toBeInstanceOf(OrderNotFound);
  });

  it('tells the edge who may follow an order', async () => {
    const created = await order();
    await expect(orders.accessOf(created.id)).resolves.toEqual({
      orderId: created.id,
      customerId: 'u-1',
      courierId: null,
    });
    await expect(orders.accessOf('missing')).rejects.toBeInstanceOf(OrderNotFound);
  });

  it('assigns a courier (ops and services only), one version later, with order.courier_assigned', async () => {
    const created = await order();
    await expect(orders.assignCourier(customer('u-1'), created.id, 'courier-1')).rejects.toBeInstanceOf(
      OrderAccessDenied,
    );
    const assigned = await orders.assignCourier(ops, created.id, 'courier-1', 1);
    expect(assigned).toMatchObject({ courierId: 'courier-1', version: 2 });
    await expect(orders.assignCourier(ops, created.id, 'courier-1')).rejects.toBeInstanceOf(OrderChangeRefused);
    await expect(orders.assignCourier(ops, created.id, 'courier-2', 1)).rejects.toBeInstanceOf(OrderVersionConflict);
    const [, event] = await drain();
    expect(orderEventSchema.parse(event?.event)).toMatchObject({
      type: 'order.courier_assigned',
      sequence: 2,
      data: { orderId: created.id, customerId: 'u-1', courierId: 'courier-1' },
    });
    await expect(orders.accessOf(created.id)).resolves.toEqual({
      orderId: created.id,
      customerId: 'u-1',
      courierId: 'courier-1',
    });
  });

  it("records the assigned courier's positions, coalescing their events; the version does not move", async () => {
    const created = await order();
    await orders.assignCourier(ops, created.id, 'courier-1');
    const first = await orders.recordPosition(courier, created.id, { lat: 52.5, lng: 13.4, heading: 90, speed: 8 });
    expect(first).toMatchObject({
      event: 'queued',
      order: { version: 2, position: { lat: 52.5, lng: 13.4, heading: 90, speed: 8 } },
    });
    await drain();
    await orders.recordPosition(courier, created.id, { lat: 52.6, lng: 13.4 });
    const third = await orders.recordPosition(courier, created.id, { lat: 52.7, lng: 13.4 });
    expect(third.event).toBe('coalesced');
    await expect(orders.getOrder(courier, created.id)).resolves.toMatchObject({ version: 2, position: { lat: 52.7 } });
    const location = published.find((entry) => entry.event.type === 'order.location_updated');
    expect(orderEventSchema.parse(location?.event)).toMatchObject({
      sequence: 2,
      data: {
        orderId: created.id,
        customerId: 'u-1',
        courierId: 'courier-1',
        lat: 52.5,
        lng: 13.4,
        heading: 90,
        speed: 8,
      },
    });
  });

  it("answers a position from anyone but the order's courier as if the order did not exist; a final order refuses it", async () => {
    const created = await order();
    await expect(orders.recordPosition(courier, created.id, { lat: 1, lng: 1 })).rejects.toBeInstanceOf(OrderNotFound);
    await orders.assignCourier(ops, created.id, 'courier-2');
    await expect(orders.recordPosition(courier, created.id, { lat: 1, lng: 1 })).rejects.toBeInstanceOf(OrderNotFound);
    await expect(orders.recordPosition(ops, created.id, { lat: 1, lng: 1 })).rejects.toBeInstanceOf(OrderAccessDenied);
    const theirs: Principal = { userId: 'courier-2', roles: ['courier'] };
    await orders.changeStatus(ops, created.id, 'cancelled');
    await expect(orders.recordPosition(theirs, created.id, { lat: 1, lng: 1 })).rejects.toBeInstanceOf(
      OrderChangeRefused,
    );
  });

  it("lists a customer's orders and a courier's orders; others have none of their own", async () => {
    const a = await order();
    const b = await order();
    await orders.assignCourier(ops, a.id, 'courier-1');
    await expect(orders.listMine(customer('u-1'), { limit: 10 })).resolves.toEqual([
      expect.objectContaining({ id: b.id }),
      expect.objectContaining({ id: a.id }),
    ]);
    await expect(orders.listMine(courier, { limit: 10 })).resolves.toEqual([expect.objectContaining({ id: a.id })]);
    await expect(orders.listMine(ops, { limit: 10 })).rejects.toBeInstanceOf(OrderAccessDenied);
  });

  it('shows the timeline to whoever sees the order, and to no one else', async () => {
    const created = await order();
    await orders.changeStatus(ops, created.id, 'confirmed');
    const timeline = await orders.timeline(customer('u-1'), created.id);
    expect(timeline.map((entry) => [entry.event.type, entry.publishedAt])).toEqual([
      ['order.created', null],
      ['order.status_changed', null],
    ]);
    await drain();
    expect((await orders.timeline(ops, created.id)).every((entry) => entry.publishedAt !== null)).toBe(true);
    await expect(orders.timeline(customer('u-2'), created.id)).rejects.toBeInstanceOf(OrderNotFound);
  });

  it('shows an order to its assigned courier', async () => {
    const created = await order();
    await orders.assignCourier(ops, created.id, 'courier-1');
    await expect(orders.getOrder(courier, created.id)).resolves.toMatchObject({ id: created.id });
  });
});
