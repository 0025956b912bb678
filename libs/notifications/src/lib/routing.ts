import {
  OPS_ORDERS_CHANNEL,
  OrderEvent,
  OrderEventType,
  orderChannel,
  userChannel,
} from '@shopnest/contracts';

/** Where one event goes: a channel (socket.io room) and whether it may be dropped. */
export interface Route {
  channel: string;
  /** Latest-wins data (positions): the fanout may drop it for a slow or offline client. */
  volatile: boolean;
}

/** Names a channel from the fields every order event carries. */
type ChannelRule = (ref: { orderId: string; customerId: string }) => string;

const theOrder: ChannelRule = (ref) => orderChannel(ref.orderId);
const itsCustomer: ChannelRule = (ref) => userChannel(ref.customerId);
const opsBoard: ChannelRule = () => OPS_ORDERS_CHANNEL;

/**
 * The routing table: which channels each order event type reaches, and whether it is volatile.
 * Every event type must appear here (the `Record` makes a new type a compile error until routed).
 */
export const ORDER_EVENT_ROUTES: Readonly<
  Record<
    OrderEventType,
    { channels: readonly ChannelRule[]; volatile: boolean }
  >
> = {
  'order.created': { channels: [theOrder], volatile: false },
  'order.status_changed': {
    channels: [theOrder, itsCustomer, opsBoard],
    volatile: false,
  },
  'order.courier_assigned': { channels: [theOrder], volatile: false },
  'order.location_updated': { channels: [theOrder], volatile: true },
};

/**
 * The channels a validated order event is pushed to.
 *
 * @example
 * routeEvent(statusChanged) // [{ channel: 'order:o-1', volatile: false }, { channel: 'user:u-1', ... }, { channel: 'ops:orders', ... }]
 */
export function routeEvent(event: OrderEvent): Route[] {
  const { channels, volatile } = ORDER_EVENT_ROUTES[event.type];
  return channels.map((rule) => ({ channel: rule(event.data), volatile }));
}
