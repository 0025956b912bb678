import {
  CLIENT_EVENTS,
  Delivery,
  ListDeadLettersResponse,
  OPS_ORDERS_CHANNEL,
  ORDER_TRACKING_SOURCE,
  ORDERS_DLQ_TOPIC,
  ORDERS_TOPIC,
  OrderStatusChanged,
  RedriveResponse,
  SubscribeAck,
} from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { OrderEventsProducer } from './support/order-events-producer';
import { Clients, Platform, startPlatform } from './support/platform';

const statusChanged = (orderId: string, to: string): OrderStatusChanged =>
  ({
    specversion: '1.0',
    id: randomUUID(),
    type: 'order.status_changed',
    source: ORDER_TRACKING_SOURCE,
    subject: orderId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    sequence: 2,
    data: { orderId, customerId: `c-${orderId}`, from: 'shipped', to },
  }) as OrderStatusChanged;

/**
 * The dead-letter API of the built notification-worker process, on real Kafka and Redis: an ops
 * token lists what the worker dead-lettered, re-drives it to the ops board through an edge, and
 * drops what can never succeed.
 */
describe('notification-worker: dead letters an operator can act on', () => {
  const run = runId();
  const producer = new OrderEventsProducer(process.env['KAFKA_BROKERS'] as string, `e2e-${run}.`);
  const clients = new Clients();
  const ops = signTestToken('ops-e2e', { roles: ['ops'] });
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform(run, [{ name: 'edge' }]);
    await producer.connect();
  });

  afterAll(async () => {
    clients.closeAll();
    await producer.disconnect();
    await platform?.stop();
  });

  const api = async <T>(method: string, path: string, body?: unknown, token = ops) => {
    const response = await fetch(`${platform.worker.url}/admin/dead-letters/${ORDERS_TOPIC}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const pending = async () => (await api<ListDeadLettersResponse>('GET', '')).body.items;

  it('lists a poison event and a failed one, re-drives the failed one to the board once, and drops the poison', async () => {
    const board = await clients.connect(platform.edges[0] as Platform['edges'][number], ops);
    const seen: Delivery[] = [];
    board.onAny((_type: string, delivery: Delivery) => void seen.push(delivery));
    const ack: SubscribeAck = await board
      .timeout(5_000)
      .emitWithAck(CLIENT_EVENTS.subscribe, { channel: OPS_ORDERS_CHANNEL });
    expect(ack).toMatchObject({ ok: true });

    // A poison event the worker dead-letters itself, and an event as the worker dead-letters one whose
    // pushes kept failing (a fault a process test cannot switch off and on; the int-spec does that).
    const poison = statusChanged(`o-poison-${run}`, 'teleported');
    const failed = statusChanged(`o-failed-${run}`, 'out_for_delivery');
    await producer.publish([poison]);
    await producer.publish([failed], {
      topic: ORDERS_DLQ_TOPIC,
      headers: {
        'dlq-reason': 'failed',
        'dlq-error': 'history unavailable',
        'dlq-failed-at': new Date().toISOString(),
      },
    });

    expect((await api('GET', '', undefined, signTestToken('shopper', { roles: ['customer'] }))).status).toBe(403);
    await waitFor(async () => (await pending()).length === 2, 60_000, 500);
    const reasons = new Map((await pending()).map((letter) => [letter.event.id, letter.reason]));
    expect(reasons).toEqual(
      new Map([
        [poison.id, 'invalid'],
        [failed.id, 'failed'],
      ]),
    );

    const redriven = await api<RedriveResponse>('POST', '/redrive', { all: true });
    expect(redriven.status).toBe(200);
    expect(redriven.body.redriven).toHaveLength(2);
    await waitFor(() => seen.some((d) => d.event.id === failed.id), 30_000, 100);
    await waitFor(async () => (await pending()).length === 1, 60_000, 500);
    const [back] = await pending();
    expect(back).toMatchObject({ reason: 'invalid', redriveCount: 1, event: { id: poison.id } });

    const dropped = await api('POST', `/${back?.id}/drop`, { reason: 'no such status' });
    expect(dropped).toMatchObject({ status: 200, body: { status: 'dropped', decision: { by: 'ops-e2e' } } });
    expect(await pending()).toEqual([]);

    expect(seen.filter((d) => d.event.id === failed.id)).toHaveLength(1);
    expect(seen.filter((d) => d.event.id === poison.id)).toHaveLength(0);
    const metrics = await (await fetch(`${platform.worker.url}/metrics`)).text();
    expect(metrics).toMatch(/^shopnest_dead_letters_redriven_total\{[^}]*topic="shopnest\.orders\.v1"[^}]*\} 2$/m);
    expect(metrics).toMatch(/^shopnest_dead_letters_dropped_total\{[^}]*topic="shopnest\.orders\.v1"[^}]*\} 1$/m);
  });
});
