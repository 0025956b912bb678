import { channelNameSchema, OPS_ORDERS_CHANNEL, orderChannel, parseChannel } from './channels';

describe('parseChannel', () => {
  it('parses each known form', () => {
    expect(parseChannel(orderChannel('o-1'))).toEqual({ kind: 'order', id: 'o-1' });
    expect(parseChannel('user:u_1')).toEqual({ kind: 'user', id: 'u_1' });
    expect(parseChannel('ticket:T9')).toEqual({ kind: 'ticket', id: 'T9' });
    expect(parseChannel(OPS_ORDERS_CHANNEL)).toEqual({ kind: 'ops', id: 'orders' });
  });

  it.each(['order:', 'order:*', 'order:a:b', 'orders:1', 'ops:other', 'user', '', 'user:' + 'x'.repeat(65)])(
    'refuses %j',
    (name) => {
      expect(parseChannel(name)).toBeNull();
      expect(channelNameSchema.safeParse(name).success).toBe(false);
    },
  );
});
