import { OrderAccess, Principal, Role } from '@shopnest/contracts';
import { ChannelAuthorizer, ChannelDecision } from './channel-authorizer';
import { InMemoryOrderAccessLookup } from './order-access/in-memory-order-access.lookup';
import { OrderAccessLookup } from './order-access/order-access.port';

const ORDERS: Record<string, OrderAccess> = {
  'o-mine': { customerId: 'me', courierId: 'c-other' },
  'o-carried': { customerId: 'someone', courierId: 'me' },
  'o-theirs': { customerId: 'someone', courierId: null },
};

const as = (...roles: Role[]): Principal => ({ userId: 'me', roles });
const OK: ChannelDecision = { allowed: true };
const NO = expect.objectContaining({ allowed: false, code: 'FORBIDDEN' });

describe('ChannelAuthorizer', () => {
  const authorizer = new ChannelAuthorizer(new InMemoryOrderAccessLookup(ORDERS));

  // Every role against every channel form; `order:o-missing` must answer like `order:o-theirs`.
  const table: [Role, string, ChannelDecision | typeof NO][] = [
    ['customer', 'user:me', OK],
    ['customer', 'user:other', NO],
    ['customer', 'ops:orders', NO],
    ['customer', 'order:o-mine', OK],
    ['customer', 'order:o-carried', NO],
    ['customer', 'order:o-theirs', NO],
    ['customer', 'order:o-missing', NO],
    ['customer', 'ticket:t-1', NO],

    ['courier', 'user:me', OK],
    ['courier', 'user:other', NO],
    ['courier', 'ops:orders', NO],
    ['courier', 'order:o-carried', OK],
    ['courier', 'order:o-mine', NO],
    ['courier', 'order:o-theirs', NO],
    ['courier', 'order:o-missing', NO],
    ['courier', 'ticket:t-1', NO],

    ['agent', 'user:me', OK],
    ['agent', 'user:other', NO],
    ['agent', 'ops:orders', NO],
    ['agent', 'order:o-theirs', OK],
    ['agent', 'order:o-missing', OK],
    ['agent', 'ticket:t-1', OK],

    ['ops', 'user:me', OK],
    ['ops', 'user:other', NO],
    ['ops', 'ops:orders', OK],
    ['ops', 'order:o-theirs', OK],
    ['ops', 'order:o-missing', OK],
    ['ops', 'ticket:t-1', NO],

    ['service', 'user:me', OK],
    ['service', 'user:other', NO],
    ['service', 'ops:orders', NO],
    ['service', 'order:o-theirs', OK],
    ['service', 'ticket:t-1', NO],
  ];

  it.each(table)('%s → %s', async (role, channel, expected) => {
    await expect(authorizer.authorize(as(role), channel)).resolves.toEqual(expected);
  });

  it('gives the same refusal for a missing order and somebody else’s order', async () => {
    const missing = await authorizer.authorize(as('customer'), 'order:o-missing');
    const theirs = await authorizer.authorize(as('customer'), 'order:o-theirs');
    expect(JSON.stringify(missing).replace('o-missing', 'X')).toBe(JSON.stringify(theirs).replace('o-theirs', 'X'));
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
    await new ChannelAuthorizer(lookup).authorize(as('agent'), 'order:o-1');
    expect(find).not.toHaveBeenCalled();
  });

  it('rejects when the lookup fails, rather than granting or refusing', async () => {
    const lookup: OrderAccessLookup = { find: () => Promise.reject(new Error('order-tracking down')) };
    await expect(new ChannelAuthorizer(lookup).authorize(as('customer'), 'order:o-1')).rejects.toThrow('down');
  });
});
