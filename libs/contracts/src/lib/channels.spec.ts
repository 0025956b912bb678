import {
  channelNameSchema,
  OPS_ORDERS_CHANNEL,
  orderChannel,
  parseChannel,
  SUPPORT_AGENTS_CHANNEL,
  SUPPORT_QUEUE_CHANNEL,
  ticketChannel,
  ticketInternalChannel,
} from './channels';

describe('parseChannel', () => {
  it('parses each known form', () => {
    expect(parseChannel(orderChannel('o-1'))).toEqual({ kind: 'order', id: 'o-1' });
    expect(parseChannel('user:u_1')).toEqual({ kind: 'user', id: 'u_1' });
    expect(parseChannel(ticketChannel('T9'))).toEqual({ kind: 'ticket', id: 'T9' });
    expect(parseChannel(ticketInternalChannel('T9'))).toEqual({ kind: 'ticket-internal', id: 'T9' });
    expect(parseChannel(OPS_ORDERS_CHANNEL)).toEqual({ kind: 'ops', id: 'orders' });
    expect(parseChannel(SUPPORT_QUEUE_CHANNEL)).toEqual({ kind: 'support', id: 'queue' });
    expect(parseChannel(SUPPORT_AGENTS_CHANNEL)).toEqual({ kind: 'support', id: 'agents' });
  });

  it('accepts every form in the schema', () => {
    for (const name of ['ticket:t-1', 'ticket-internal:t-1', 'support:queue', 'support:agents'])
      expect(channelNameSchema.safeParse(name).success).toBe(true);
  });

  it.each([
    'order:',
    'order:*',
    'order:a:b',
    'orders:1',
    'ops:other',
    'support:other',
    'support:',
    'ticket-internal:',
    'ticket-internal:a:b',
    'toString',
    'constructor:x',
    'user',
    '',
    'user:' + 'x'.repeat(65),
  ])('refuses %j', (name) => {
    expect(parseChannel(name)).toBeNull();
    expect(channelNameSchema.safeParse(name).success).toBe(false);
  });
});
