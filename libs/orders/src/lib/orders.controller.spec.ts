import { Global, INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { orderAccessSchema, ORDERS_TOPIC, orderEventSchema, Role } from '@shopnest/contracts';
import { EventBus, InMemoryEventBus, OutgoingEvent } from '@shopnest/platform-event-bus';
import { AuthModule, jwtEnvSchema } from '@shopnest/platform-auth';
import { signTestToken, TEST_JWT_ENV } from '@shopnest/testing';
import { AddressInfo } from 'node:net';
import { ErrorBodyFilter } from './http/error-body.filter';
import { OrderRepository } from './order.repository.port';
import { OrdersModule } from './orders.module';

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
      imports: [AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV)), TestEventBusModule, OrdersModule],
      // As the app does, so errors outside the orders routes (e.g. malformed JSON) get the same body.
      providers: [{ provide: APP_FILTER, useClass: ErrorBodyFilter }],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    await bus.close();
  });

  beforeEach(() => {
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
    const reply = await call('POST', '/orders', { token: as, body: { itemsSummary: '2 × espresso beans', totalCents: 2400 } });
    expect(reply.status).toBe(201);
    return reply.body as { id: string; version: number };
  };

  it('POST /orders as a customer: 201, the order, and order.created on the orders topic keyed by its id', async () => {
    const reply = await call('POST', '/orders', { token: shopperA, body: { itemsSummary: '2 × espresso beans', totalCents: 2400 } });
    expect(reply.status).toBe(201);
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
    expect(published).toHaveLength(1);
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
    ['GET', '/internal/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60/access'],
  ])('%s %s without a token: 401 UNAUTHENTICATED', async (method, path) => {
    const reply = await call(method, path, method === 'GET' ? {} : { body: { status: 'confirmed' } });
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
  });

  it('refuses a bad body with 400 INVALID naming each bad field', async () => {
    const reply = await call('POST', '/orders', { token: shopperA, body: { itemsSummary: '', totalCents: -5, extra: 1 } });
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
    await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'confirmed', expectedVersion: 1 } });
    const stale = await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'packed', expectedVersion: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
  });

  it('honours If-Match: the current version applies, a stale one is 412', async () => {
    const order = await createOrder();
    const fresh = await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'confirmed' }, headers: { 'if-match': '"1"' } });
    expect(fresh.status).toBe(200);
    const stale = await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'packed' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    const garbage = await call('PATCH', `/orders/${order.id}/status`, { token: ops, body: { status: 'packed' }, headers: { 'if-match': 'banana' } });
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
    const unknown = await call('GET', '/internal/orders/0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60/access', { token: service });
    expect(unknown.status).toBe(404);
    expect(unknown.body['code']).toBe('NOT_FOUND');
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
});
