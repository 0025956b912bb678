import {
  Envelope,
  OPS_ORDERS_CHANNEL,
  OrderEvent,
  OrderEventOf,
  OrderEventType,
  orderChannel,
  OrderSnapshot,
  reduceOrderSnapshot,
  userChannel,
} from '@shopnest/contracts';
import { SnapshotReducer } from '@shopnest/platform-history';
import { orderStatusNotification } from './order-status-notification';

/** One push: the event to send, the channel (socket.io room) it goes to, and whether it may be dropped. */
export interface Route {
  channel: string;
  /** What the channel receives: the order event itself, or an event derived from it. */
  event: Envelope;
  /** Latest-wins data (positions): not kept in history beyond the latest, may be dropped for a slow client. */
  volatile: boolean;
  /** Folds the event into the channel's snapshot, in the same atomic step as its append (`order:` channels). */
  snapshot?: SnapshotReducer<OrderSnapshot>;
}

/** Names a channel from the fields every order event carries. */
type ChannelRule = (ref: { orderId: string; customerId: string }) => string;

/** One row of the table: where to, what to send (derived from the event `E`), volatile or not. */
interface RouteRule<E extends OrderEvent> {
  to: ChannelRule;
  send: (event: E) => Envelope;
  volatile?: boolean;
  /** The channel keeps the order's snapshot (see `reduceOrderSnapshot`). */
  snapshot?: true;
}

const theOrder: ChannelRule = (ref) => orderChannel(ref.orderId);
const itsCustomer: ChannelRule = (ref) => userChannel(ref.customerId);
const opsBoard: ChannelRule = () => OPS_ORDERS_CHANNEL;
const asIs = <E extends OrderEvent>(event: E): Envelope => event;

/**
 * The routing table: for each order event type, which channels get what. Every type must appear
 * (the mapped type makes a new order event type a compile error until it is routed). A status
 * change also reaches the shopper's `user:` channel as a notification with a short text, so an app
 * can show it without knowing order statuses.
 */
export const ORDER_EVENT_ROUTES: { readonly [T in OrderEventType]: readonly RouteRule<OrderEventOf<T>>[] } = {
  // The ops board shows an order from its creation, not from its first status change.
  'order.created': [
    { to: theOrder, send: asIs, snapshot: true },
    { to: opsBoard, send: asIs },
  ],
  'order.status_changed': [
    { to: theOrder, send: asIs, snapshot: true },
    { to: itsCustomer, send: asIs },
    { to: itsCustomer, send: orderStatusNotification },
    { to: opsBoard, send: asIs },
  ],
  'order.courier_assigned': [{ to: theOrder, send: asIs, snapshot: true }],
  'order.location_updated': [{ to: theOrder, send: asIs, volatile: true, snapshot: true }],
};

/**
 * The pushes a validated order event makes, in table order.
 *
 * @example
 * routeEvent(statusChanged).map((r) => [r.channel, r.event.type])
 * // [['order:o-1', 'order.status_changed'], ['user:u-1', 'order.status_changed'], ['user:u-1', 'notification.order_status'], ['ops:orders', 'order.status_changed']]
 */
export function routeEvent(event: OrderEvent): Route[] {
  // The table is indexed by the event's own type, so each rule gets the event type it was written for.
  const rules = ORDER_EVENT_ROUTES[event.type] as readonly RouteRule<OrderEvent>[];
  return rules.map((rule) => ({
    channel: rule.to(event.data),
    event: rule.send(event),
    volatile: rule.volatile ?? false,
    ...(rule.snapshot && { snapshot: (previous: OrderSnapshot | null) => reduceOrderSnapshot(previous, event) }),
  }));
}
