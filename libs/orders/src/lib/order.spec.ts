import { ORDER_STATUSES, OrderStatus } from '@shopnest/contracts';
import { nextStatuses, Order, placeOrder, transition, TransitionRefused } from './order';

const ALLOWED: [OrderStatus, OrderStatus][] = [
  ['placed', 'confirmed'],
  ['placed', 'cancelled'],
  ['confirmed', 'packed'],
  ['confirmed', 'cancelled'],
  ['packed', 'shipped'],
  ['packed', 'cancelled'],
  ['shipped', 'out_for_delivery'],
  ['out_for_delivery', 'delivered'],
];
const isAllowed = (from: OrderStatus, to: OrderStatus) => ALLOWED.some(([f, t]) => f === from && t === to);
const REFUSED = ORDER_STATUSES.flatMap((from) =>
  ORDER_STATUSES.filter((to) => !isAllowed(from, to)).map((to): [OrderStatus, OrderStatus] => [from, to]),
);

const orderIn = (status: OrderStatus): Order => ({
  ...placeOrder({ customerId: 'u-1', itemsSummary: '1 × tea', totalCents: 450 }, new Date('2026-01-01T00:00:00Z')),
  status,
  version: 4,
});

describe('placeOrder', () => {
  it('starts placed, at version 1, with a UUIDv7 id and no courier', () => {
    const order = placeOrder({ customerId: 'u-1', itemsSummary: '1 × tea', totalCents: 450 }, new Date('2026-01-01T00:00:00Z'));
    expect(order).toMatchObject({ status: 'placed', version: 1, courierId: null, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(order.updatedAt).toBe(order.createdAt);
    expect(order.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('nextStatuses', () => {
  it.each(ORDER_STATUSES.map((s) => [s]))('lists exactly the allowed moves from %s', (from) => {
    expect([...nextStatuses(from)].sort()).toEqual(ALLOWED.filter(([f]) => f === from).map(([, t]) => t).sort());
  });

  it('allows cancelling only before shipping', () => {
    const cancellable = ORDER_STATUSES.filter((s) => nextStatuses(s).includes('cancelled'));
    expect(cancellable).toEqual(['placed', 'confirmed', 'packed']);
  });
});

describe('transition', () => {
  it.each(ALLOWED)('moves %s → %s, one version later', (from, to) => {
    const before = orderIn(from);
    const after = transition(before, to, new Date('2026-01-02T00:00:00Z'));
    expect(after).toEqual({ ...before, status: to, version: 5, updatedAt: '2026-01-02T00:00:00.000Z' });
    expect(before.status).toBe(from);
  });

  it.each(REFUSED)('refuses %s → %s, naming the current status and the allowed ones', (from, to) => {
    const order = orderIn(from);
    let refusal: unknown;
    try {
      transition(order, to);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(TransitionRefused);
    expect(refusal).toMatchObject({ orderId: order.id, currentStatus: from, requestedStatus: to, allowed: nextStatuses(from) });
  });

  it('covers every pair of statuses between the two tables', () => {
    expect(ALLOWED.length + REFUSED.length).toBe(ORDER_STATUSES.length ** 2);
  });
});
