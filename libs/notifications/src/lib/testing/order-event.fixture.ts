import { randomUUID } from 'node:crypto';
import {
  Envelope,
  ORDER_TRACKING_SOURCE,
  ORDERS_TOPIC,
  OrderEvent,
  OrderEventOf,
  OrderEventType,
} from '@shopnest/contracts';
import { IncomingMessage } from '@shopnest/platform-event-bus';

const DATA: {
  [T in OrderEventType]: (ref: { orderId: string; customerId: string }) => OrderEventOf<T>['data'];
} = {
  'order.created': (ref) => ({
    ...ref,
    status: 'placed',
    itemsSummary: '2 × tea',
    totalCents: 1250,
  }),
  'order.status_changed': (ref) => ({
    ...ref,
    from: 'shipped',
    to: 'out_for_delivery',
  }),
  'order.courier_assigned': (ref) => ({ ...ref, courierId: 'c-1' }),
  'order.location_updated': (ref) => ({
    ...ref,
    courierId: 'c-1',
    lat: 52.52,
    lng: 13.405,
  }),
};

/** A valid order event of `type` (tests only): order `o-1` of customer `u-1` unless told otherwise. */
export function orderEvent<T extends OrderEventType>(
  type: T,
  ref: { orderId?: string; customerId?: string } = {},
  sequence = 1,
): OrderEventOf<T> {
  const orderId = ref.orderId ?? 'o-1';
  const customerId = ref.customerId ?? 'u-1';
  const event: OrderEvent = {
    specversion: '1.0',
    id: randomUUID(),
    type,
    source: ORDER_TRACKING_SOURCE,
    subject: orderId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    sequence,
    data: DATA[type]({ orderId, customerId }),
  } as OrderEvent;
  return event as OrderEventOf<T>;
}

/** `event` as the bus hands it to a consumer of the orders topic (tests only). */
export const orderMessage = (event: Envelope): IncomingMessage => ({
  kind: 'event',
  topic: ORDERS_TOPIC,
  partition: 0,
  offset: '0',
  key: event.subject,
  event,
  raw: { value: Buffer.from(JSON.stringify(event)), headers: {} },
});
