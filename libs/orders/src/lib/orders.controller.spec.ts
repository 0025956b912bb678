import { Global, INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { bulkAccessResponseSchema, orderAccessSchema, ORDERS_TOPIC, orderEventSchema, Role } from '@shopnest/contracts';
import { EventBus, InMemoryEventBus, OutgoingEvent } from '@shopnest/platform-event-bus';
import { AuthModule, jwtEnvSchema } from '@shopnest/platform-auth';
import { signTestToken, TEST_JWT_ENV, waitFor } from '@shopnest/testing';
import { AddressInfo } from 'node:net';
import { OrdersErrorFilter } from './http/orders-error.filter';
import { OrderRepository } from './order.repository.port';
import { OrdersModule } from './orders.module';
import { Outbox } from '@shopnest/platform-outbox';

const bus = new InMemoryEventBus();

/** Stands in for the app's global EventBusModule. */
@Global()
@Module({ providers: [{ provide: EventBus, useValue: bus }], exports: [EventBus] })
class TestEventBusModule {}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

describe('OrdersController (HTTP)', () => {
  let app: INestApplication;
  let base: string;
  let published: { topic: string; events: OutgoingEvent[] }[];

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [
        AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV)),
        TestEventBusModule,
        OrdersModule.forRoot({
          store: { driver: 'memory' },
          locationEventsPerSecond: 1,
          outbox: { sweepIntervalMs: 100 },
        }),
      ],
      // As the app does, so errors outside the orders routes (e.g. malformed JSON) get the same body.
      providers: [{ provide: APP_FILTER, useClass: OrdersErrorFilter }],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    await bus.close();
  });

  beforeEach(async () => {
    // Events of the previous test are all out before this one starts counting.
    const outbox = app.get(Outbox);
    await waitFor(async () => (await outbox.backlog()).pending === 0, 5000);
    published = [];
    jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => {
      published.push({ topic, events });
    });
  });

  afterEach(() => jest.restoreAllMocks());

  const token = (userId: string, ...roles: Role[]) => signTestToken(userId, { roles });
  const call = async (
    method: string,
    path: string,
    options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(options.token && { authorization: `Bearer ${options.token}` }),
        ...((options.body !== undefined || options.rawBody !== undefined) && { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
  };

  const shopperA = token('shopper-a', 'customer');
  const ops = token('ops-1', 'ops');
  const createOrder = async (as = shopperA) => {
    const reply = await call('POST', '/orders', {
      token: as,
      body: { itemsSummary: '2 × espresso beans', totalCents: 2400 },
    });
    expect(reply.status).toBe(201);
    // Its order.created is out, so a test can count only the events it causes.
    await waitFor(async () => (await app.get(Outbox).backlog()).pending === 0);
    return reply.body as { id: string; version: number };
  };

  it('POST /orders as a customer: 201, the order, and order.created on the orders topic keyed by its id', async () => {
    const reply = await call('POST', '/orders', {
      token: shopperA,
      body: { itemsSummary: '2 × espresso beans', totalCents: 2400 },
    });
    expect(reply.status).toBe(201);
    await waitFor(() => published.length === 1);
    expect(reply.body).toMatchObject({
      customerId: 'shopper-a',
      itemsSummary: '2 × espresso beans',
      totalCents: 2400,
      status: 'placed',
      courierId: null,
      version: 1,
    });
    expect(reply.headers.get('etag')).toBe('"1"');
    expect(published).toHaveLength(1);
    expect(published[0]?.topic).toBe(ORDERS_TOPIC);
    expect(published[0]?.events[0]?.key).toBe(reply.body['id']);
    expect(orderEventSchema.parse(published[0]?.events[0]?.event)).toMatchObject({
      type: 'order.created',
      subject: reply.body['id'],
      sequence: 1,
      data: { orderId: reply.body['id'], customerId: 'shopper-a' },
    });
  });

  it('POST /orders as a service names the customer', async () => {
    const reply = await call('POST', '/orders', {
      token: token('checkout', 'service'),
      body: { itemsSummary: 'tea', totalCents: 450, customerId: 'shopper-z' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body['customerId']).toBe('shopper-z');
  });

  it('POST /orders as ops: 403 FORBIDDEN', async () => {
    const reply = await call('POST', '/orders', { token: ops, body: { itemsSummary: 'tea', totalCents: 450 } });
    expect(reply.status).toBe(403);
    expect(reply.body['code']).toBe('FORBIDDEN');
  });

  it('PATCH /orders/:id/status as ops: 200, the new order, and order.status_changed with from and to', async () => {
    const order = await createOrder();
    published = [];
    const reply = await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'confirmed' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: order.id, status: 'confirmed', version: 2 });
    expect(reply.headers.get('etag')).toBe('"2"');
    await waitFor(() => published.length === 1);
    expect(published[0]?.topic).toBe(ORDERS_TOPIC);
    expect(published[0]?.events[0]?.key).toBe(order.id);
    expect(orderEventSchema.parse(published[0]?.events[0]?.event)).toMatchObject({
      type: 'order.status_changed',
      subject: order.id,
      sequence: 2,
      data: { orderId: order.id, customerId: 'shopper-a', from: 'placed', to: 'confirmed' },
    });
  });

  it('PATCH as a customer: 403 FORBIDDEN, nothing changes', async () => {
    const order = await createOrder();
    published = [];
    const reply = await call('PATCH', `/orders/${order.id}/status`, { token: shopperA, body: { status: 'cancelled' } });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ code: 'FORBIDDEN', message: expect.any(String) });
    expect(published).toEqual([]);
  });

  it.each([
    ['POST', '/orders'],
    ['GET', '/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60'],
    ['PATCH', '/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60/status'],
    ['POST', '/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60/courier'],
    ['POST', '/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60/location'],
    ['GET', '/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60/timeline'],
    ['GET', '/orders?mine'],
    ['GET', '/internal/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60/access'],
    ['POST', '/internal/orders/access'],
  ])('%s %s without a token: 401 UNAUTHENTICATED', async (method, path) => {
    const reply = await call(method, path, method === 'GET' ? {} : { body: { status: 'confirmed' } });
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
  });

  it('refuses a bad body with 400 INVALID naming each bad field', async () => {
    const reply = await call('POST', '/orders', {
      token: shopperA,
      body: { itemsSummary: '', totalCents: -5, extra: 1 },
    });
    expect(reply.status).toBe(400);
    expect(reply.body['code']).toBe('INVALID');
    expect(reply.body['message']).toEqual(expect.stringContaining('itemsSummary'));
    expect(reply.body['message']).toEqual(expect.stringContaining('totalCents'));
    expect(reply.body['message']).toEqual(expect.stringContaining('extra'));
    expect(published).toEqual([]);
  });

  it('refuses a missing body and an unknown status, naming the fields', async () => {
    const missing = await call('POST', '/orders', { token: shopperA });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: 'INVALID', message: expect.stringContaining('itemsSummary') });
    const order = await createOrder();
    const unknown = await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'teleported' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'INVALID', message: expect.stringContaining('status') });
  });

  it('refuses malformed JSON with 400 INVALID, and answers an unknown route with 404 NOT_FOUND', async () => {
    const reply = await call('POST', '/orders', { token: shopperA, rawBody: '{"itemsSummary": ' });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: 'INVALID', message: expect.any(String) });
    const nowhere = await call('GET', '/nowhere', { token: shopperA });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
  });

  it('refuses a transition the state machine forbids: 409 CONFLICT with the current status and the allowed ones', async () => {
    const order = await createOrder();
    published = [];
    const reply = await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'delivered' } });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual({
      code: 'CONFLICT',
      message: expect.stringContaining('placed'),
      currentStatus: 'placed',
      allowed: ['confirmed', 'cancelled'],
    });
    expect(published).toEqual([]);
  });

  it('refuses a stale expectedVersion with 409 CONFLICT', async () => {
    const order = await createOrder();
    await call('PATCH', `/orders/${order.id}/status`, {
      token: ops,
      body: { status: 'confirmed', expectedVersion: 1 },
    });
    const stale = await call('PATCH', `/orders/${order.id}/status`, {
      token: ops,
      body: { status: 'packed', expectedVersion: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
  });

  it('honours If-Match: the current version applies, a stale one is 412', async () => {
    const order = await createOrder();
    const fresh = await call('PATCH', `/orders/${order.id}/status`, {
      token: ops,
      body: { status: 'confirmed' },
      headers: { 'if-match': '"1"' },
    });
    expect(fresh.status).toBe(200);
    const stale = await call('PATCH', `/orders/${order.id}/status`, {
      token: ops,
      body: { status: 'packed' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    const garbage = await call('PATCH', `/orders/${order.id}/status`, {
      token: ops,
      body: { status: 'packed' },
      headers: { 'if-match': 'banana' },
    });
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ code: 'INVALID', message: expect.stringContaining('If-Match') });
  });

  it('answers 404 NOT_FOUND for an unknown id, and for an id that is not even a UUID', async () => {
    for (const id of ['0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60', 'nope']) {
      const get = await call('GET', `/orders/${id}`, { token: ops });
      expect(get.status).toBe(404);
      expect(get.body).toMatchObject({ code: 'NOT_FOUND' });
      const patch = await call('PATCH', `/orders/${id}/status`, { token: ops, body: { status: 'confirmed' } });
      expect(patch.status).toBe(404);
      expect(patch.body).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it("GET another customer's order: 404, exactly like an unknown one; the owner, ops and agents see it", async () => {
    const order = await createOrder();
    const stranger = await call('GET', `/orders/${order.id}`, { token: token('shopper-b', 'customer') });
    expect(stranger.status).toBe(404);
    expect(stranger.body).toEqual({ code: 'NOT_FOUND', message: `order ${order.id} not found` });
    for (const reader of [shopperA, ops, token('agent-1', 'agent')]) {
      const reply = await call('GET', `/orders/${order.id}`, { token: reader });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: order.id, customerId: 'shopper-a' });
    }
  });

  it('GET /internal/orders/:id/access with the service role: 200 with the customer and courier', async () => {
    const order = await createOrder();
    const service = token('connection-edge', 'service');
    const reply = await call('GET', `/internal/orders/${order.id}/access`, { token: service });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ orderId: order.id, customerId: 'shopper-a', courierId: null });
    expect(orderAccessSchema.safeParse(reply.body).success).toBe(true);
    const unknown = await call('GET', '/internal/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60/access', {
      token: service,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body['code']).toBe('NOT_FOUND');
  });

  it('POST /internal/orders/access with the service role: each order its own access, unknown ids null', async () => {
    const mine = await createOrder();
    const theirs = await createOrder(token('shopper-b', 'customer'));
    const unknown = '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60';
    const reply = await call('POST', '/internal/orders/access', {
      token: token('connection-edge', 'service'),
      body: { ids: [mine.id, unknown, theirs.id, 'not-a-uuid', mine.id] },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      access: {
        [mine.id]: { customerId: 'shopper-a', courierId: null },
        [theirs.id]: { customerId: 'shopper-b', courierId: null },
        [unknown]: null,
        'not-a-uuid': null,
      },
    });
    expect(bulkAccessResponseSchema(orderAccessSchema).safeParse(reply.body).success).toBe(true);
  });

  it.each([
    ['no ids', { ids: [] }],
    ['more than 500 ids', { ids: Array.from({ length: 501 }, (_, i) => `o-${i}`) }],
    ['an empty id', { ids: [''] }],
    ['ids that are not a list', { ids: 'o-1' }],
  ])('POST /internal/orders/access with %s: 400 INVALID naming ids', async (_, body) => {
    const reply = await call('POST', '/internal/orders/access', { token: token('connection-edge', 'service'), body });
    expect(reply.status).toBe(400);
    expect(reply.body['code']).toBe('INVALID');
    expect(reply.body['message']).toEqual(expect.stringContaining('ids'));
  });

  it('POST /internal/orders/access without the service role: 403 FORBIDDEN', async () => {
    const order = await createOrder();
    for (const caller of [shopperA, ops]) {
      const reply = await call('POST', '/internal/orders/access', { token: caller, body: { ids: [order.id] } });
      expect(reply.status).toBe(403);
      expect(reply.body['code']).toBe('FORBIDDEN');
    }
  });

  it('GET /internal/orders/:id/access without the service role: 403 FORBIDDEN', async () => {
    const order = await createOrder();
    for (const caller of [shopperA, ops]) {
      const reply = await call('GET', `/internal/orders/${order.id}/access`, { token: caller });
      expect(reply.status).toBe(403);
      expect(reply.body['code']).toBe('FORBIDDEN');
    }
  });

  it('answers an unexpected failure with 500 INTERNAL and no detail', async () => {
    const order = await createOrder();
    jest.spyOn(app.get(OrderRepository), 'findById').mockRejectedValueOnce(new Error('disk on fire at /var/secret'));
    const reply = await call('GET', `/orders/${order.id}`, { token: ops });
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ code: 'INTERNAL', message: 'internal error' });
  });

  const courierA = token('courier-a', 'courier');
  const assign = (id: string, courierId = 'courier-a', headers: Record<string, string> = {}) =>
    call('POST', `/orders/${id}/courier`, { token: ops, body: { courierId }, headers });

  it('POST /orders/:id/courier as ops: 200, the order with its courier, and order.courier_assigned', async () => {
    const order = await createOrder();
    published = [];
    const reply = await assign(order.id, 'courier-a', { 'if-match': '"1"' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ courierId: 'courier-a', version: 2 });
    expect(reply.headers.get('etag')).toBe('"2"');
    await waitFor(() => published.length === 1);
    expect(orderEventSchema.parse(published[0]?.events[0]?.event)).toMatchObject({
      type: 'order.courier_assigned',
      sequence: 2,
      data: { orderId: order.id, courierId: 'courier-a' },
    });
    const again = await assign(order.id, 'courier-a');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'CONFLICT', currentStatus: 'placed' });
    const stale = await assign(order.id, 'courier-b', { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    const asShopper = await call('POST', `/orders/${order.id}/courier`, { token: shopperA, body: { courierId: 'x' } });
    expect(asShopper.status).toBe(403);
    const bad = await call('POST', `/orders/${order.id}/courier`, { token: ops, body: { courierId: '' } });
    expect(bad).toMatchObject({
      status: 400,
      body: { code: 'INVALID', message: expect.stringContaining('courierId') },
    });
  });

  it('POST /orders/:id/location by the assigned courier: 202; the order shows the position; events are coalesced', async () => {
    const order = await createOrder();
    await assign(order.id);
    const first = await call('POST', `/orders/${order.id}/location`, {
      token: courierA,
      body: { lat: 52.52, lng: 13.4, heading: 180, speed: 6.5 },
    });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      orderId: order.id,
      event: 'queued',
      position: { lat: 52.52, lng: 13.4, heading: 180, speed: 6.5, at: expect.any(String) },
    });
    const bursts = [];
    for (let i = 1; i <= 5; i++) {
      bursts.push(
        await call('POST', `/orders/${order.id}/location`, { token: courierA, body: { lat: 52 + i / 10, lng: 13.4 } }),
      );
    }
    expect(bursts.map((reply) => reply.status)).toEqual([202, 202, 202, 202, 202]);
    expect(bursts.filter((reply) => reply.body['event'] === 'coalesced').length).toBeGreaterThanOrEqual(3);
    const read = await call('GET', `/orders/${order.id}`, { token: shopperA });
    expect(read.body).toMatchObject({ version: 2, position: { lat: 52.5 } });
    await waitFor(async () => {
      const timeline = await call('GET', `/orders/${order.id}/timeline`, { token: shopperA });
      const events = timeline.body['events'] as {
        event: { type: string; data: { lat: number } };
        publishedAt: string | null;
      }[];
      const last = events[events.length - 1];
      return last?.event.type === 'order.location_updated' && last.event.data.lat === 52.5 && last.publishedAt !== null;
    }, 5000);
  });

  it('POST /orders/:id/location refuses bad positions naming the fields, and anyone but the assigned courier', async () => {
    const order = await createOrder();
    await assign(order.id);
    const bad = await call('POST', `/orders/${order.id}/location`, {
      token: courierA,
      body: { lat: 91, lng: 'east', heading: 400 },
    });
    expect(bad.status).toBe(400);
    for (const field of ['lat', 'lng', 'heading']) expect(bad.body['message']).toEqual(expect.stringContaining(field));
    const otherCourier = await call('POST', `/orders/${order.id}/location`, {
      token: token('courier-b', 'courier'),
      body: { lat: 1, lng: 1 },
    });
    expect(otherCourier).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const asOps = await call('POST', `/orders/${order.id}/location`, { token: ops, body: { lat: 1, lng: 1 } });
    expect(asOps.status).toBe(403);
    await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'cancelled' } });
    const final = await call('POST', `/orders/${order.id}/location`, { token: courierA, body: { lat: 1, lng: 1 } });
    expect(final).toMatchObject({ status: 409, body: { code: 'CONFLICT', currentStatus: 'cancelled' } });
  });

  it("GET /orders?mine: the customer's own orders, or the courier's, newest first, in pages", async () => {
    const shopper = token(`shopper-${Date.now()}`, 'customer');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createOrder(shopper)).id);
    const page1 = await call('GET', '/orders?mine&limit=2', { token: shopper });
    expect(page1.status).toBe(200);
    expect((page1.body['orders'] as { id: string }[]).map((o) => o.id)).toEqual([ids[2], ids[1]]);
    expect(page1.body['nextBefore']).toBe(ids[1]);
    const page2 = await call('GET', `/orders?mine=true&limit=2&before=${ids[1]}`, { token: shopper });
    expect(page2.body).toEqual({ orders: [expect.objectContaining({ id: ids[0] })], nextBefore: null });
    await assign(ids[0] as string, 'courier-lister');
    const carried = await call('GET', '/orders?mine', { token: token('courier-lister', 'courier') });
    expect((carried.body['orders'] as { id: string }[]).map((o) => o.id)).toEqual([ids[0]]);
    const noMine = await call('GET', '/orders', { token: shopper });
    expect(noMine).toMatchObject({ status: 400, body: { code: 'INVALID', message: expect.stringContaining('mine') } });
    const asOps = await call('GET', '/orders?mine', { token: ops });
    expect(asOps.status).toBe(403);
  });

  it('GET /orders/:id/timeline: every event of the order in order, with when it was published; 404 for strangers', async () => {
    const order = await createOrder();
    await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'confirmed' } });
    await assign(order.id);
    await waitFor(async () => (await app.get(Outbox).backlog()).pending === 0);
    const reply = await call('GET', `/orders/${order.id}/timeline`, { token: shopperA });
    expect(reply.status).toBe(200);
    const events = reply.body['events'] as { event: { type: string; sequence: number }; publishedAt: string }[];
    expect(events.map((e) => [e.event.type, e.event.sequence])).toEqual([
      ['order.created', 1],
      ['order.status_changed', 2],
      ['order.courier_assigned', 3],
    ]);
    expect(events.every((e) => typeof e.publishedAt === 'string')).toBe(true);
    const stranger = await call('GET', `/orders/${order.id}/timeline`, { token: token('shopper-b', 'customer') });
    expect(stranger.status).toBe(404);
  });
});
