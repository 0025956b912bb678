import { OrderEvent } from '@shopnest/contracts';
import { Route, routeEvent } from './routing';
import { orderEvent } from './testing/order-event.fixture';

describe('routeEvent', () => {
  const order = { channel: 'order:o-1', volatile: false };

  it.each<[string, OrderEvent, Route[]]>([
    ['order.created → its order', orderEvent('order.created'), [order]],
    [
      'order.status_changed → its order, its customer and the ops board',
      orderEvent('order.status_changed'),
      [
        order,
        { channel: 'user:u-1', volatile: false },
        { channel: 'ops:orders', volatile: false },
      ],
    ],
    [
      'order.courier_assigned → its order',
      orderEvent('order.courier_assigned'),
      [order],
    ],
    [
      'order.location_updated → its order, volatile',
      orderEvent('order.location_updated'),
      [{ channel: 'order:o-1', volatile: true }],
    ],
  ])('%s', (_name, event, routes) => {
    expect(routeEvent(event)).toEqual(routes);
  });

  it('names channels from the event, not from constants', () => {
    const event = orderEvent('order.status_changed', {
      orderId: 'o-77',
      customerId: 'u-9',
    });
    expect(routeEvent(event).map((r) => r.channel)).toEqual([
      'order:o-77',
      'user:u-9',
      'ops:orders',
    ]);
  });
});
