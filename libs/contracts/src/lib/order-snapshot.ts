import { Envelope } from './envelope';
import { ORDER_EVENT_TYPES, OrderEvent, OrderStatus, orderEventSchema } from './order-events';

/** The courier's last reported position; `at` is the time of the event that reported it. */
export interface OrderSnapshotPosition {
  lat: number;
  lng: number;
  heading?: number;
  speed?: number;
  /** ISO 8601. */
  at: string;
}

/**
 * An order's state as its events tell it: the same fields, with the same meaning, as order-tracking's
 * `GET /orders/:id`. Kept per `order:{id}` channel by the notification worker and sent to a
 * subscriber that asks for `snapshot: true` (see docs/protocol.md, "Order snapshot + deltas").
 *
 * @example
 * const state = events.reduce(reduceOrderSnapshot, null as OrderSnapshot | null);
 */
export interface OrderSnapshot {
  id: string;
  customerId: string;
  itemsSummary: string;
  totalCents: number;
  status: OrderStatus;
  courierId: string | null;
  position: OrderSnapshotPosition | null;
  /** The `sequence` of the last state event applied (1 at creation): the order's `version`. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The socket.io event that carries an order's snapshot, before the deltas that follow it. */
export const ORDER_SNAPSHOT_EVENT = 'order.snapshot';

/**
 * The first message of a `subscribe { snapshot: true }` on `order:{id}`, sent before any replayed
 * or live delivery of the channel: the state, and the channel offset it includes every event up to.
 */
export interface OrderSnapshotDelivery {
  channel: string;
  offset: string;
  state: OrderSnapshot;
}

/**
 * Applies one order event to `state`, as a pure function (never mutates its input).
 *
 * - `order.created` starts the state; every other event needs one (`null` stays `null`).
 * - State events (status, courier) apply only when their `sequence` is above `state.version`, so a
 *   duplicate or a late event never regresses the state.
 * - Positions do not advance `version`; one applies when it is not older (by its `time`) than the
 *   position held, whatever its sequence: the edge sends the latest position after a replay's state
 *   events, so it may arrive after a state change that followed it, and it is still the newest.
 * - Events of another order, unknown types and malformed events leave the state as it is (same object).
 *
 * @example
 * let state: OrderSnapshot | null = null;
 * for (const event of events) state = reduceOrderSnapshot(state, event);
 */
export function reduceOrderSnapshot(state: OrderSnapshot | null, event: Envelope): OrderSnapshot | null {
  const parsed = orderEventSchema.safeParse(event);
  if (!parsed.success) return state;
  const order: OrderEvent = parsed.data;
  if (order.type === ORDER_EVENT_TYPES.created) {
    if (state && state.version >= order.sequence) return state;
    const { orderId, customerId, status, itemsSummary, totalCents } = order.data;
    return {
      id: orderId,
      customerId,
      itemsSummary,
      totalCents,
      status,
      courierId: null,
      position: null,
      version: order.sequence,
      createdAt: order.time,
      updatedAt: order.time,
    };
  }
  if (!state || state.id !== order.data.orderId) return state;
  switch (order.type) {
    case ORDER_EVENT_TYPES.statusChanged:
      if (order.sequence <= state.version) return state;
      return { ...state, status: order.data.to, version: order.sequence, updatedAt: order.time };
    case ORDER_EVENT_TYPES.courierAssigned:
      if (order.sequence <= state.version) return state;
      return { ...state, courierId: order.data.courierId, version: order.sequence, updatedAt: order.time };
    case ORDER_EVENT_TYPES.locationUpdated: {
      if (state.position && Date.parse(order.time) < Date.parse(state.position.at)) return state;
      const { lat, lng, heading, speed } = order.data;
      const position: OrderSnapshotPosition = {
        lat,
        lng,
        ...(heading !== undefined && { heading }),
        ...(speed !== undefined && { speed }),
        at: order.time,
      };
      return { ...state, position };
    }
  }
}
