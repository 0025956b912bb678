import { ORDER_TRACKING_SOURCE, ORDERS_TOPIC, orderEventSchema, Principal } from '@shopnest/contracts';
import { InMemoryEventBus, OutgoingEvent } from '@shopnest/platform-event-bus';
import { InMemoryOrderRepository } from './in-memory-order.repository';
import { TransitionRefused } from './order';
import { OrderAccessDenied, OrderInputInvalid, OrderNotFound, OrderVersionConflict } from './order.errors';
import { OrdersService } from './orders.service';

const customer = (userId: string): Principal => ({ userId, roles: ['customer'] });
const ops: Principal = { userId: 'ops-1', roles: ['ops'] };
const service: Principal = { userId: 'checkout', roles: ['service'] };
const agent: Principal = { userId: 'agent-1', roles: ['agent'] };
const courier: Principal = { userId: 'courier-1', roles: ['courier'] };

describe('OrdersService', () => {
  let bus: InMemoryEventBus;
  let published: { topic: string; events: OutgoingEvent[] }[];
  let orders: OrdersService;

  beforeEach(() => {
    bus = new InMemoryEventBus();
    published = [];
    jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => {
      published.push({ topic, events });
    });
    orders = new OrdersService(new InMemoryOrderRepository(), bus);
  });

  afterEach(() => bus.close());

  const order = () => orders.createOrder(customer('u-1'), { itemsSummary: '2 × espresso beans', totalCents: 2400 });

  it('creates an order for the calling customer and publishes a valid order.created, keyed by order id', async () => {
    const created = await order();
    expect(created).toMatchObject({ customerId: 'u-1', status: 'placed', version: 1, totalCents: 2400 });
    expect(published).toHaveLength(1);
    const [{ topic, events }] = published as [(typeof published)[number]];
    expect(topic).toBe(ORDERS_TOPIC);
    expect(events).toHaveLength(1);
    const [{ key, event }] = events as [OutgoingEvent];
    expect(key).toBe(created.id);
    expect(orderEventSchema.parse(event)).toMatchObject({
      specversion: '1.0',
      type: 'order.created',
      source: ORDER_TRACKING_SOURCE,
      subject: created.id,
      datacontenttype: 'application/json',
      sequence: 1,
      data: { orderId: created.id, customerId: 'u-1', status: 'placed', itemsSummary: '2 × espresso beans', totalCents: 2400 },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('publishes a valid order.status_changed with from, to and the new version as sequence', async () => {
    const created = await order();
    const confirmed = await orders.changeStatus(ops, created.id, 'confirmed');
    expect(confirmed).toMatchObject({ status: 'confirmed', version: 2 });
    const event = published[1]?.events[0]?.event;
    expect(published[1]?.events[0]?.key).toBe(created.id);
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
    const [first, second] = published.map((p) => p.events[0]?.event.id as string);
    expect(first).not.toBe(second);
    expect([first, second].sort()).toEqual([first, second]);
  });

  it('lets a service create an order for a named customer, and requires the name', async () => {
    await expect(orders.createOrder(service, { itemsSummary: 'x', totalCents: 1, customerId: 'u-9' })).resolves.toMatchObject({
      customerId: 'u-9',
    });
    await expect(orders.createOrder(service, { itemsSummary: 'x', totalCents: 1 })).rejects.toBeInstanceOf(OrderInputInvalid);
  });

  it('refuses a customer creating an order for someone else', async () => {
    await expect(
      orders.createOrder(customer('u-1'), { itemsSummary: 'x', totalCents: 1, customerId: 'u-2' }),
    ).rejects.toBeInstanceOf(OrderAccessDenied);
    expect(published).toEqual([]);
  });

  it('refuses a stale expected version, storing and publishing nothing', async () => {
    const created = await order();
    await orders.changeStatus(ops, created.id, 'confirmed', 1);
    await expect(orders.changeStatus(ops, created.id, 'packed', 1)).rejects.toEqual(
      expect.objectContaining({ constructor: OrderVersionConflict, expectedVersion: 1, currentVersion: 2 }),
    );
    await expect(orders.getOrder(ops, created.id)).resolves.toMatchObject({ status: 'confirmed', version: 2 });
    expect(published).toHaveLength(2);
  });

  it('refuses a transition the state machine forbids, storing and publishing nothing', async () => {
    const created = await order();
    await expect(orders.changeStatus(ops, created.id, 'delivered')).rejects.toBeInstanceOf(TransitionRefused);
    await expect(orders.getOrder(ops, created.id)).resolves.toMatchObject({ status: 'placed', version: 1 });
    expect(published).toHaveLength(1);
  });

  it('lets only ops and services change a status', async () => {
    const created = await order();
    await expect(orders.changeStatus(customer('u-1'), created.id, 'cancelled')).rejects.toBeInstanceOf(OrderAccessDenied);
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
    await expect(orders.accessOf(created.id)).resolves.toEqual({ orderId: created.id, customerId: 'u-1', courierId: null });
    await expect(orders.accessOf('missing')).rejects.toBeInstanceOf(OrderNotFound);
  });
});
