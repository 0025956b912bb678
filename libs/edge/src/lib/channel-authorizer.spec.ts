import { OrderAccess, Principal, Role, TicketAccess } from '@shopnest/contracts';
import { ChannelAuthorizer, ChannelDecision } from './channel-authorizer';
import { InMemoryOrderAccessLookup } from './order-access/in-memory-order-access.lookup';
import { OrderAccessLookup } from './order-access/order-access.port';
import { InMemoryTicketAccessLookup } from './ticket-access/in-memory-ticket-access.lookup';
import { TicketAccessLookup } from './ticket-access/ticket-access.port';

const ORDERS: Record<string, OrderAccess> = {
  'o-mine': { customerId: 'me', courierId: 'c-other' },
  'o-carried': { customerId: 'someone', courierId: 'me' },
  'o-theirs': { customerId: 'someone', courierId: null },
};

const TICKETS: Record<string, TicketAccess> = {
  't-mine': { customerId: 'me' },
  't-theirs': { customerId: 'someone' },
};
const tickets = () => new InMemoryTicketAccessLookup(TICKETS);
const orders = () => new InMemoryOrderAccessLookup(ORDERS);

const as = (...roles: Role[]): Principal => ({ userId: 'me', roles });
const OK: ChannelDecision = { allowed: true };
const NO = expect.objectContaining({ allowed: false, code: 'FORBIDDEN' });

describe('ChannelAuthorizer', () => {
  const authorizer = new ChannelAuthorizer(orders(), tickets());
  const SUPPORT_CHANNELS = ['ticket-internal:t-mine', 'support:queue', 'support:agents'];

  // Every role against every channel form; `order:o-missing` must answer like `order:o-theirs`.
  const table: [Role, string, ChannelDecision | typeof NO][] = [
    ['customer', 'user:me', OK],
    ['customer', 'user:other', NO],
    ['customer', 'ops:orders', NO],
    ['customer', 'order:o-mine', OK],
    ['customer', 'order:o-carried', NO],
    ['customer', 'order:o-theirs', NO],
    ['customer', 'order:o-missing', NO],
    ['customer', 'ticket:t-mine', OK],
    ['customer', 'ticket:t-theirs', NO],
    ['customer', 'ticket:t-missing', NO],
    ...SUPPORT_CHANNELS.map((channel): [Role, string, typeof NO] => ['customer', channel, NO]),

    ['courier', 'user:me', OK],
    ['courier', 'user:other', NO],
    ['courier', 'ops:orders', NO],
    ['courier', 'order:o-carried', OK],
    ['courier', 'order:o-mine', NO],
    ['courier', 'order:o-theirs', NO],
    ['courier', 'order:o-missing', NO],
    ['courier', 'ticket:t-1', NO],
    ['courier', 'ticket:t-mine', NO],
    ...SUPPORT_CHANNELS.map((channel): [Role, string, typeof NO] => ['courier', channel, NO]),

    ['agent', 'user:me', OK],
    ['agent', 'user:other', NO],
    ['agent', 'ops:orders', NO],
    ['agent', 'order:o-theirs', OK],
    ['agent', 'order:o-missing', OK],
    ['agent', 'ticket:t-1', OK],
    ['agent', 'ticket:t-theirs', OK],
    ...SUPPORT_CHANNELS.map((channel): [Role, string, ChannelDecision] => ['agent', channel, OK]),

    ['ops', 'user:me', OK],
    ['ops', 'user:other', NO],
    ['ops', 'ops:orders', OK],
    ['ops', 'order:o-theirs', OK],
    ['ops', 'order:o-missing', OK],
    ['ops', 'ticket:t-1', NO],
    ...SUPPORT_CHANNELS.map((channel): [Role, string, typeof NO] => ['ops', channel, NO]),

    ['service', 'user:me', OK],
    ['service', 'user:other', NO],
    ['service', 'ops:orders', NO],
    ['service', 'order:o-theirs', OK],
    ['service', 'ticket:t-1', NO],
    ...SUPPORT_CHANNELS.map((channel): [Role, string, typeof NO] => ['service', channel, NO]),
  ];

  it.each(table)('%s → %s', async (role, channel, expected) => {
    await expect(authorizer.authorize(as(role), channel)).resolves.toEqual(expected);
  });

  it('gives the same refusal for a missing order and somebody else’s order', async () => {
    const missing = await authorizer.authorize(as('customer'), 'order:o-missing');
    const theirs = await authorizer.authorize(as('customer'), 'order:o-theirs');
    expect(JSON.stringify(missing).replace('o-missing', 'X')).toBe(JSON.stringify(theirs).replace('o-theirs', 'X'));
  });

  it('gives the same refusal for a missing ticket and somebody else’s ticket', async () => {
    const missing = await authorizer.authorize(as('customer'), 'ticket:t-missing');
    const theirs = await authorizer.authorize(as('customer'), 'ticket:t-theirs');
    expect(JSON.stringify(missing).replace('t-missing', 'X')).toBe(JSON.stringify(theirs).replace('t-theirs', 'X'));
  });

  it('does not look tickets up for agents, nor for roles that never see tickets', async () => {
    const find = jest.fn();
    const lookup: TicketAccessLookup = { find };
    const authorizer = new ChannelAuthorizer(orders(), lookup);
    await authorizer.authorize(as('agent'), 'ticket:t-1');
    await authorizer.authorize(as('courier'), 'ticket:t-1');
    await authorizer.authorize(as('ops'), 'ticket:t-1');
    expect(find).not.toHaveBeenCalled();
  });

  it('rejects when the ticket lookup fails, rather than granting or refusing', async () => {
    const lookup: TicketAccessLookup = { find: () => Promise.reject(new Error('support-desk down')) };
    await expect(new ChannelAuthorizer(orders(), lookup).authorize(as('customer'), 'ticket:t-1')).rejects.toThrow(
      'down',
    );
  });

  it('allows when any of several roles allows', async () => {
    await expect(authorizer.authorize(as('customer', 'courier'), 'order:o-carried')).resolves.toEqual(OK);
    await expect(authorizer.authorize(as('customer', 'courier'), 'order:o-mine')).resolves.toEqual(OK);
    await expect(authorizer.authorize(as('customer', 'ops'), 'ops:orders')).resolves.toEqual(OK);
  });

  it('answers INVALID for a name that is not a channel', async () => {
    await expect(authorizer.authorize(as('ops'), 'order:*')).resolves.toMatchObject({
      allowed: false,
      code: 'INVALID',
    });
  });

  it('does not look orders up for roles that see every order', async () => {
    const find = jest.fn();
    const lookup: OrderAccessLookup = { find };
    await new ChannelAuthorizer(lookup, tickets()).authorize(as('agent'), 'order:o-1');
    expect(find).not.toHaveBeenCalled();
  });

  it('rejects when the lookup fails, rather than granting or refusing', async () => {
    const lookup: OrderAccessLookup = { find: () => Promise.reject(new Error('order-tracking down')) };
    await expect(new ChannelAuthorizer(lookup, tickets()).authorize(as('customer'), 'order:o-1')).rejects.toThrow(
      'down',
    );
  });
});
