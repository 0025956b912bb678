import { ORDER_STATUSES, OrderStatus } from '@shopnest/contracts';
import {
  acceptsPositionFrom,
  assignCourier,
  nextStatuses,
  Order,
  OrderChangeRefused,
  placeOrder,
  transition,
  TransitionRefused,
} from './order';

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
    const order = placeOrder(
      { customerId: 'u-1', itemsSummary: '1 × tea', totalCents: 450 },
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(order).toMatchObject({
      status: 'placed',
      version: 1,
      courierId: null,
      position: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(order.updatedAt).toBe(order.createdAt);
    expect(order.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('nextStatuses', () => {
  it.each(ORDER_STATUSES.map((s) => [s]))('lists exactly the allowed moves from %s', (from) => {
    expect([...nextStatuses(from)].sort()).toEqual(
      ALLOWED.filter(([f]) => f === from)
        .map(([, t]) => t)
        .sort(),
    );
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
    expect(refusal).toMatchObject({
      orderId: order.id,
      currentStatus: from,
      requestedStatus: to,
      allowed: nextStatuses(from),
    });
  });

  it('covers every pair of statuses between the two tables', () => {
    expect(ALLOWED.length + REFUSED.length).toBe(ORDER_STATUSES.length ** 2);
  });
});

describe('assignCourier', () => {
  it.each(ORDER_STATUSES.filter((s) => s !== 'delivered' && s !== 'cancelled').map((s) => [s]))(
    'assigns a courier to an order in %s, one version later',
    (status) => {
      const after = assignCourier(orderIn(status), 'c-1', new Date('2026-01-02T00:00:00Z'));
      expect(after).toMatchObject({ courierId: 'c-1', version: 5, status, updatedAt: '2026-01-02T00:00:00.000Z' });
      expect(assignCourier(after, 'c-2')).toMatchObject({ courierId: 'c-2', version: 6 });
    },
  );

  it.each([['delivered'], ['cancelled']] as const)('refuses a courier for a %s order', (status) => {
    expect(() => assignCourier(orderIn(status), 'c-1')).toThrow(OrderChangeRefused);
  });

  it('refuses assigning the courier the order already has', () => {
    const assigned = assignCourier(orderIn('packed'), 'c-1');
    expect(() => assignCourier(assigned, 'c-1')).toThrow(expect.objectContaining({ currentStatus: 'packed' }));
  });
});

describe('acceptsPositionFrom', () => {
  it('accepts only the assigned courier, and refuses once the order is final', () => {
    const carried = { ...orderIn('out_for_delivery'), courierId: 'c-1' };
    expect(acceptsPositionFrom(carried, 'c-1')).toBe(true);
    expect(acceptsPositionFrom(carried, 'c-2')).toBe(false);
    expect(acceptsPositionFrom(orderIn('placed'), 'c-1')).toBe(false);
    expect(() => acceptsPositionFrom({ ...carried, status: 'delivered' }, 'c-1')).toThrow(OrderChangeRefused);
  });
});
