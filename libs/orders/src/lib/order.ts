import { OrderStatus } from '@shopnest/contracts';
import { v7 as uuidv7 } from 'uuid';

/**
 * An order as order-tracking owns it. Plain data, never mutated in place: every change returns
 * a new value with `version` one higher, which is also the `sequence` of the event it emits.
 */
export interface Order {
  /** UUIDv7, so ids sort by creation time. */
  readonly id: string;
  readonly customerId: string;
  readonly itemsSummary: string;
  readonly totalCents: number;
  readonly status: OrderStatus;
  /** The courier carrying the order; null until one is assigned. */
  readonly courierId: string | null;
  /** 1 at creation, +1 per change: the optimistic-concurrency token. */
  readonly version: number;
  /** ISO 8601 timestamps. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewOrder {
  customerId: string;
  itemsSummary: string;
  totalCents: number;
}

/** Where each status may go next. An order can be cancelled only before it is shipped. */
const NEXT_STATUSES: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  placed: ['confirmed', 'cancelled'],
  confirmed: ['packed', 'cancelled'],
  packed: ['shipped', 'cancelled'],
  shipped: ['out_for_delivery'],
  out_for_delivery: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** The statuses an order in `status` may move to; empty for final statuses. */
export function nextStatuses(status: OrderStatus): readonly OrderStatus[] {
  return NEXT_STATUSES[status];
}

/** A status change the state machine does not allow; carries what would have been allowed. */
export class TransitionRefused extends Error {
  override readonly name = 'TransitionRefused';

  constructor(
    readonly orderId: string,
    readonly currentStatus: OrderStatus,
    readonly requestedStatus: OrderStatus,
    readonly allowed: readonly OrderStatus[],
  ) {
    super(
      `order ${orderId} cannot go from ${currentStatus} to ${requestedStatus}; ` +
        (allowed.length ? `allowed: ${allowed.join(', ')}` : `${currentStatus} is final`),
    );
  }
}

/** A new order in `placed`, version 1. */
export function placeOrder(input: NewOrder, now: Date = new Date()): Order {
  const at = now.toISOString();
  return {
    id: uuidv7(),
    customerId: input.customerId,
    itemsSummary: input.itemsSummary,
    totalCents: input.totalCents,
    status: 'placed',
    courierId: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * The order moved to `to`, one version later.
 *
 * @throws TransitionRefused when the state machine does not allow the move (including `to` equal
 * to the current status: a repeated request is a conflict, not a silent success).
 */
export function transition(order: Order, to: OrderStatus, now: Date = new Date()): Order {
  const allowed = nextStatuses(order.status);
  if (!allowed.includes(to)) throw new TransitionRefused(order.id, order.status, to, allowed);
  return { ...order, status: to, version: order.version + 1, updatedAt: now.toISOString() };
}
