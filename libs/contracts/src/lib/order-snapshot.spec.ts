import { Envelope } from './envelope';
import { OrderSnapshot, reduceOrderSnapshot } from './order-snapshot';
import { describeZodError } from './errors';
import { subscribeRequestSchema } from './socket-protocol';

let ids = 0;
const ref = { orderId: 'o-1', customerId: 'u-1' };
const event = (type: string, sequence: number, time: string, data: object): Envelope => ({
  specversion: '1.0',
  id: `0193a0c4-2f6e-7cc1-9a53-${String(++ids).padStart(12, '0')}`,
  type,
  source: '/shopnest/order-tracking',
  subject: 'o-1',
  time,
  datacontenttype: 'application/json',
  sequence,
  data: { ...ref, ...data },
});

const created = event('order.created', 1, '2026-11-23T10:00:00.000Z', {
  status: 'placed',
  itemsSummary: '2 × tea',
  totalCents: 1200,
});
const confirmed = event('order.status_changed', 2, '2026-11-23T10:01:00.000Z', { from: 'placed', to: 'confirmed' });
const assigned = event('order.courier_assigned', 3, '2026-11-23T10:02:00.000Z', { courierId: 'c-1' });
const at = (sequence: number, time: string, lat: number) =>
  event('order.location_updated', sequence, time, { courierId: 'c-1', lat, lng: 2, speed: 3 });
const fold = (events: Envelope[], from: OrderSnapshot | null = null) => events.reduce(reduceOrderSnapshot, from);

describe('reduceOrderSnapshot', () => {
  it('builds the state GET /orders/:id returns from the order’s events', () => {
    expect(fold([created, confirmed, assigned, at(3, '2026-11-23T10:03:00.000Z', 1)])).toEqual({
      id: 'o-1',
      customerId: 'u-1',
      itemsSummary: '2 × tea',
      totalCents: 1200,
      status: 'confirmed',
      courierId: 'c-1',
      position: { lat: 1, lng: 2, speed: 3, at: '2026-11-23T10:03:00.000Z' },
      version: 3,
      createdAt: '2026-11-23T10:00:00.000Z',
      updatedAt: '2026-11-23T10:02:00.000Z',
    });
  });

  it('ignores duplicates and late state events: the state never goes back', () => {
    const current = fold([created, confirmed, assigned]);
    expect(fold([confirmed, created, assigned], current)).toBe(current);
    const packed = event('order.status_changed', 4, '2026-11-23T10:04:00.000Z', { from: 'confirmed', to: 'packed' });
    // Out of order: 4 before 2 and 3.
    expect(fold([created, packed, confirmed, assigned])).toMatchObject({
      status: 'packed',
      courierId: null,
      version: 4,
    });
  });

  it('keeps the newest position by its time: an older one does not replace it, whatever the order of arrival', () => {
    const state = fold([created, assigned, at(3, '2026-11-23T10:05:00.000Z', 5)]);
    expect(fold([at(3, '2026-11-23T10:04:00.000Z', 4)], state)?.position?.lat).toBe(5);
    // Reported before the last state change, but the newest position: the edge sends the latest
    // position after a replay's state events, so it may arrive after a change that followed it.
    expect(fold([at(2, '2026-11-23T10:06:00.000Z', 6)], state)?.position?.lat).toBe(6);
    expect(fold([at(3, '2026-11-23T10:06:00.000Z', 6)], state)?.position?.lat).toBe(6);
    // A position leaves version and updatedAt alone, as order-tracking does.
    expect(fold([at(3, '2026-11-23T10:06:00.000Z', 6)], state)).toMatchObject({ version: 3, updatedAt: assigned.time });
  });

  it('needs order.created to start; other orders’ events and malformed or foreign ones change nothing', () => {
    expect(fold([confirmed, assigned])).toBeNull();
    const state = fold([created]);
    const other = { ...confirmed, sequence: 9, data: { ...ref, orderId: 'o-2', from: 'placed', to: 'confirmed' } };
    expect(fold([other], state)).toBe(state);
    expect(fold([{ ...confirmed, sequence: 9, data: { to: 'teleported' } }], state)).toBe(state);
    expect(fold([{ ...confirmed, type: 'ticket.created' }], state)).toBe(state);
  });

  it('does not mutate the state it is given', () => {
    const state = fold([created]) as OrderSnapshot;
    const copy = structuredClone(state);
    fold([confirmed, assigned, at(3, '2026-11-23T10:03:00.000Z', 1)], state);
    expect(state).toEqual(copy);
  });
});

describe('subscribeRequestSchema: snapshot', () => {
  const refused = (request: object) => {
    const result = subscribeRequestSchema.safeParse(request);
    return result.success ? 'accepted' : describeZodError(result.error);
  };

  it('accepts snapshot on an order channel', () => {
    expect(refused({ channel: 'order:o-1', snapshot: true })).toBe('accepted');
  });

  it('refuses it on any other channel, and with since, naming the field', () => {
    expect(refused({ channel: 'user:u-1', snapshot: true })).toBe('snapshot: only order:{id} channels have a snapshot');
    expect(refused({ channel: 'order:o-1', snapshot: true, since: '1-0' })).toMatch(
      /^snapshot: cannot be combined with since/,
    );
  });
});
