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
  /**
   * The courier's last reported position; null until one is reported. Telemetry, not state: a
   * new position changes neither `version` nor `updatedAt`, so a courier reporting every
   * second never makes an ops `If-Match` stale.
   */
  readonly position: Position | null;
  /** 1 at creation, +1 per change of state (status, courier): the optimistic-concurrency token. */
  readonly version: number;
  /** ISO 8601 timestamps of creation and of the last change of state. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Where a courier was, as they reported it; `at` is when order-tracking received it. */
export interface Position {
  readonly lat: number;
  readonly lng: number;
  /** Degrees clockwise from north, 0-360. */
  readonly heading?: number;
  /** Metres per second. */
  readonly speed?: number;
  /** ISO 8601. */
  readonly at: string;
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

/** Statuses after which nothing about the order changes any more. */
export const FINAL_STATUSES: readonly OrderStatus[] = ['delivered', 'cancelled'];

export const isFinal = (status: OrderStatus): boolean => FINAL_STATUSES.includes(status);

/** A change other than a status transition that the order's state refuses (e.g. a courier for a delivered order). */
export class OrderChangeRefused extends Error {
  override readonly name = 'OrderChangeRefused';

  constructor(
    readonly orderId: string,
    readonly currentStatus: OrderStatus,
    message: string,
  ) {
    super(message);
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
    position: null,
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

/**
 * The order carried by `courierId`, one version later. A courier can be (re)assigned until the
 * order is final.
 *
 * @throws OrderChangeRefused when the order is delivered or cancelled, or already has this courier
 */
export function assignCourier(order: Order, courierId: string, now: Date = new Date()): Order {
  if (isFinal(order.status)) {
    throw new OrderChangeRefused(
      order.id,
      order.status,
      `order ${order.id} is ${order.status}: no courier can be assigned`,
    );
  }
  if (order.courierId === courierId) {
    throw new OrderChangeRefused(
      order.id,
      order.status,
      `order ${order.id} is already assigned to courier ${courierId}`,
    );
  }
  return { ...order, courierId, version: order.version + 1, updatedAt: now.toISOString() };
}

/**
 * Whether `courierId` may report a position for the order: it must be the assigned courier and
 * the order not final.
 *
 * @throws OrderChangeRefused when the order is final
 * @returns false when `courierId` is not the order's courier (the caller then treats the order as unknown)
 */
export function acceptsPositionFrom(order: Order, courierId: string): boolean {
  if (order.courierId !== courierId) return false;
  if (isFinal(order.status)) {
    throw new OrderChangeRefused(
      order.id,
      order.status,
      `order ${order.id} is ${order.status}: positions are no longer recorded`,
    );
  }
  return true;
}
