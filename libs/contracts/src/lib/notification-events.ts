import { z } from 'zod';
import { Envelope, envelopeSchema } from './envelope';
import { orderStatusSchema } from './order-events';

/** Source attribute of every event the notification worker derives from a domain event. */
export const NOTIFICATION_WORKER_SOURCE = '/shopnest/notification-worker';

export const NOTIFICATION_EVENT_TYPES = {
  orderStatus: 'notification.order_status',
} as const;

/** A short, human-readable line about one of the user's orders, for a toast or a notification list. */
export const orderStatusNotificationDataSchema = z.object({
  orderId: z.string().min(1),
  /** The status the order moved to. */
  status: orderStatusSchema,
  /** Ready to show, e.g. "Your order is out for delivery". */
  text: z.string().min(1).max(200),
});
export type OrderStatusNotificationData = z.infer<typeof orderStatusNotificationDataSchema>;

/**
 * `notification.order_status`: sent to `user:{customerId}` when one of their orders changes status.
 * `id` is derived from the `order.status_changed` event it reports (the same change always yields
 * the same id, so clients de-duplicate it like any event); `subject` is the order id and
 * `sequence` that event's sequence (only status changes notify, so gaps between notifications are normal).
 *
 * @example
 * socket.on('notification.order_status', (d: Delivery<OrderStatusNotification>) => toast(d.event.data.text));
 */
export const orderStatusNotificationSchema = envelopeSchema.extend({
  type: z.literal(NOTIFICATION_EVENT_TYPES.orderStatus),
  data: orderStatusNotificationDataSchema,
});
export type OrderStatusNotification = Envelope<'notification.order_status', OrderStatusNotificationData>;
