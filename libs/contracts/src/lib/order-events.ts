import { z } from 'zod';
import { Envelope, envelopeSchema } from './envelope';

/** Order statuses, in the order an order normally moves through them. */
export const ORDER_STATUSES = [
  'placed',
  'confirmed',
  'packed',
  'shipped',
  'out_for_delivery',
  'delivered',
  'cancelled',
] as const;
export const orderStatusSchema = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

export const ORDER_EVENT_TYPES = {
  created: 'order.created',
  statusChanged: 'order.status_changed',
  courierAssigned: 'order.courier_assigned',
  locationUpdated: 'order.location_updated',
} as const;

const orderRef = { orderId: z.string().min(1), customerId: z.string().min(1) };

export const orderCreatedDataSchema = z.object({
  ...orderRef,
  status: orderStatusSchema,
  itemsSummary: z.string().max(500),
  totalCents: z.number().int().nonnegative(),
});
export const orderStatusChangedDataSchema = z.object({
  ...orderRef,
  from: orderStatusSchema,
  to: orderStatusSchema,
});
export const orderCourierAssignedDataSchema = z.object({
  ...orderRef,
  courierId: z.string().min(1),
});
export const orderLocationUpdatedDataSchema = z.object({
  ...orderRef,
  courierId: z.string().min(1),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  heading: z.number().min(0).max(360).optional(),
  speed: z.number().nonnegative().optional(),
});

/** Every order event, validated as a whole: envelope fields plus the data of its type. */
export const orderEventSchema = z.discriminatedUnion('type', [
  envelopeSchema.extend({ type: z.literal(ORDER_EVENT_TYPES.created), data: orderCreatedDataSchema }),
  envelopeSchema.extend({ type: z.literal(ORDER_EVENT_TYPES.statusChanged), data: orderStatusChangedDataSchema }),
  envelopeSchema.extend({ type: z.literal(ORDER_EVENT_TYPES.courierAssigned), data: orderCourierAssignedDataSchema }),
  envelopeSchema.extend({ type: z.literal(ORDER_EVENT_TYPES.locationUpdated), data: orderLocationUpdatedDataSchema }),
]);

export type OrderEvent = z.infer<typeof orderEventSchema>;
export type OrderEventType = OrderEvent['type'];
export type OrderEventOf<T extends OrderEventType> = Extract<OrderEvent, { type: T }>;
export type OrderStatusChanged = Envelope<'order.status_changed', z.infer<typeof orderStatusChangedDataSchema>>;
