import { orderStatusNotificationSchema, OrderEvent } from '@shopnest/contracts';
import { derivedEventId, ORDER_STATUS_TEXT, orderStatusNotification } from './order-status-notification';
import { routeEvent } from './routing';
import { orderEvent } from './testing/order-event.fixture';

describe('routeEvent', () => {
  const pushes = (event: OrderEvent) =>
    routeEvent(event).map((r) => ({ channel: r.channel, type: r.event.type, volatile: r.volatile }));

  it.each<[string, OrderEvent, { channel: string; type: string; volatile: boolean }[]]>([
    [
      'order.created → its order and the ops board',
      orderEvent('order.created'),
      [
        { channel: 'order:o-1', type: 'order.created', volatile: false },
        { channel: 'ops:orders', type: 'order.created', volatile: false },
      ],
    ],
    [
      'order.status_changed → its order, its customer and the ops board, plus a notification to its customer',
      orderEvent('order.status_changed'),
      [
        { channel: 'order:o-1', type: 'order.status_changed', volatile: false },
        { channel: 'user:u-1', type: 'order.status_changed', volatile: false },
        { channel: 'user:u-1', type: 'notification.order_status', volatile: false },
        { channel: 'ops:orders', type: 'order.status_changed', volatile: false },
      ],
    ],
    [
      'order.courier_assigned → its order',
      orderEvent('order.courier_assigned'),
      [{ channel: 'order:o-1', type: 'order.courier_assigned', volatile: false }],
    ],
    [
      'order.location_updated → its order, volatile',
      orderEvent('order.location_updated'),
      [{ channel: 'order:o-1', type: 'order.location_updated', volatile: true }],
    ],
  ])('%s', (_name, event, expected) => {
    expect(pushes(event)).toEqual(expected);
  });

  it('names channels from the event, and passes order events on unchanged', () => {
    const event = orderEvent('order.status_changed', { orderId: 'o-77', customerId: 'u-9' });
    const routes = routeEvent(event);
    expect(routes.map((r) => r.channel)).toEqual(['order:o-77', 'user:u-9', 'user:u-9', 'ops:orders']);
    expect(routes[0]?.event).toBe(event);
  });
});

describe('orderStatusNotification', () => {
  it('tells the customer the new status in words, as a valid notification event about the order', () => {
    const change = orderEvent('order.status_changed', { orderId: 'o-5' }, 4);
    const notification = orderStatusNotification(change);

    expect(orderStatusNotificationSchema.parse(notification)).toEqual(notification);
    expect(notification).toMatchObject({
      type: 'notification.order_status',
      source: '/shopnest/notification-worker',
      subject: 'o-5',
      sequence: 4,
      time: change.time,
      data: { orderId: 'o-5', status: 'out_for_delivery', text: 'Your order is out for delivery' },
    });
  });

  it('has a text for every status', () => {
    for (const text of Object.values(ORDER_STATUS_TEXT)) expect(text).toMatch(/^Your order /);
  });

  it('derives the same id from the same change, a different one from another, as a UUIDv7 with its source time', () => {
    const source = '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60';
    const id = derivedEventId(source, 'notification.order_status');

    expect(derivedEventId(source, 'notification.order_status')).toBe(id);
    expect(derivedEventId('0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f61', 'notification.order_status')).not.toBe(id);
    expect(derivedEventId(source, 'other')).not.toBe(id);
    expect(id).toMatch(/^0193a0c4-2f6e-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
