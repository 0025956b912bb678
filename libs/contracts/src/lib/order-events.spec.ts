import { orderEventSchema } from './order-events';
import { subscribeRequestSchema } from './socket-protocol';
import { describeZodError } from './errors';

const base = {
  specversion: '1.0',
  id: '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60',
  source: '/shopnest/order-tracking',
  subject: 'o-1',
  time: '2026-11-23T10:00:00.000Z',
  datacontenttype: 'application/json',
  sequence: 2,
};

describe('orderEventSchema', () => {
  it('accepts a status change with its data', () => {
    const event = {
      ...base,
      type: 'order.status_changed',
      data: { orderId: 'o-1', customerId: 'u-1', from: 'placed', to: 'confirmed' },
    };
    expect(orderEventSchema.parse(event)).toEqual(event);
  });

  it('refuses an unknown status and names the field', () => {
    const result = orderEventSchema.safeParse({
      ...base,
      type: 'order.status_changed',
      data: { orderId: 'o-1', customerId: 'u-1', from: 'placed', to: 'teleported' },
    });
    expect(result.success).toBe(false);
    if (!result.success) expect(describeZodError(result.error)).toContain('data.to');
  });

  it('refuses an unknown event type', () => {
    expect(orderEventSchema.safeParse({ ...base, type: 'order.exploded', data: {} }).success).toBe(false);
  });
});

describe('subscribeRequestSchema', () => {
  it('refuses unknown fields and bad channels, naming them', () => {
    const result = subscribeRequestSchema.safeParse({ channel: 'nope', extra: 1 });
    expect(result.success).toBe(false);
    if (!result.success) {
      const text = describeZodError(result.error);
      expect(text).toContain('channel');
    }
  });
});
