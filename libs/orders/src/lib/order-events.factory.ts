import {
  ORDER_EVENT_TYPES,
  ORDER_TRACKING_SOURCE,
  OrderEventOf,
  OrderEventType,
  OrderStatus,
} from '@shopnest/contracts';
import { v7 as uuidv7 } from 'uuid';
import { Order, Position } from './order';

/** The CloudEvents envelope of an order event; `sequence` is the order's version after the change. */
function envelope<T extends OrderEventType>(type: T, order: Order, data: OrderEventOf<T>['data'], now: Date) {
  return {
    specversion: '1.0' as const,
    id: uuidv7(),
    type,
    source: ORDER_TRACKING_SOURCE,
    subject: order.id,
    time: now.toISOString(),
    datacontenttype: 'application/json' as const,
    sequence: order.version,
    data,
  } as OrderEventOf<T>;
}

export function orderCreatedEvent(order: Order, now: Date = new Date()): OrderEventOf<'order.created'> {
  return envelope(
    ORDER_EVENT_TYPES.created,
    order,
    {
      orderId: order.id,
      customerId: order.customerId,
      status: order.status,
      itemsSummary: order.itemsSummary,
      totalCents: order.totalCents,
    },
    now,
  );
}

export function orderStatusChangedEvent(
  order: Order,
  from: OrderStatus,
  now: Date = new Date(),
): OrderEventOf<'order.status_changed'> {
  return envelope(
    ORDER_EVENT_TYPES.statusChanged,
    order,
    { orderId: order.id, customerId: order.customerId, from, to: order.status },
    now,
  );
}

export function orderCourierAssignedEvent(
  order: Order,
  now: Date = new Date(),
): OrderEventOf<'order.courier_assigned'> {
  if (order.courierId === null) throw new Error(`order ${order.id} has no courier to announce`);
  return envelope(
    ORDER_EVENT_TYPES.courierAssigned,
    order,
    { orderId: order.id, customerId: order.customerId, courierId: order.courierId },
    now,
  );
}

/**
 * A position, as an event. Positions do not advance the order's version, so the event carries
 * the sequence of the state it follows: the "a gap in `sequence` is a missed event" rule keeps
 * holding for state events while positions stay volatile (latest wins, may be dropped).
 */
export function orderLocationUpdatedEvent(
  order: Order,
  courierId: string,
  position: Position,
  now: Date = new Date(),
): OrderEventOf<'order.location_updated'> {
  const { lat, lng, heading, speed } = position;
  return envelope(
    ORDER_EVENT_TYPES.locationUpdated,
    order,
    {
      orderId: order.id,
      customerId: order.customerId,
      courierId,
      lat,
      lng,
      ...(heading !== undefined && { heading }),
      ...(speed !== undefined && { speed }),
    },
    now,
  );
}
