import {
  NOTIFICATION_EVENT_TYPES,
  NOTIFICATION_WORKER_SOURCE,
  OrderEventOf,
  OrderStatus,
  OrderStatusNotification,
} from '@shopnest/contracts';
import { createHash } from 'node:crypto';

/** What a shopper reads when their order reaches each status. */
export const ORDER_STATUS_TEXT: Readonly<Record<OrderStatus, string>> = {
  placed: 'Your order has been placed',
  confirmed: 'Your order is confirmed',
  packed: 'Your order is packed',
  shipped: 'Your order has shipped',
  out_for_delivery: 'Your order is out for delivery',
  delivered: 'Your order has been delivered',
  cancelled: 'Your order has been cancelled',
};

/**
 * The `notification.order_status` a status change sends to its customer. Deterministic: the same
 * change always gives the same event (id included), so a redelivered status change is appended
 * to the user's history once and clients drop the repeat by id.
 *
 * @example
 * orderStatusNotification(statusChanged).data // { orderId: 'o-1', status: 'out_for_delivery', text: 'Your order is out for delivery' }
 */
export function orderStatusNotification(change: OrderEventOf<'order.status_changed'>): OrderStatusNotification {
  const type = NOTIFICATION_EVENT_TYPES.orderStatus;
  return {
    specversion: '1.0',
    id: derivedEventId(change.id, type),
    type,
    source: NOTIFICATION_WORKER_SOURCE,
    subject: change.subject,
    time: change.time,
    datacontenttype: 'application/json',
    sequence: change.sequence,
    data: { orderId: change.data.orderId, status: change.data.to, text: ORDER_STATUS_TEXT[change.data.to] },
  };
}

/**
 * A UUIDv7 for an event derived from `sourceId`: the source's 48-bit timestamp (so it sorts with
 * its source) and bits of SHA-256(`sourceId`/`purpose`) for the rest, with the version and
 * variant bits of RFC 9562. Same inputs, same id.
 */
export function derivedEventId(sourceId: string, purpose: string): string {
  const bytes = createHash('sha256').update(`${sourceId}/${purpose}`).digest().subarray(0, 16);
  const source = Buffer.from(sourceId.replace(/-/g, ''), 'hex');
  source.copy(bytes, 0, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
