import type { TicketMessage } from '@shopnest/contracts';
import { isSeen, mergeMessages } from './messages';

const message = (id: string, seq: number, patch: Partial<TicketMessage> = {}): TicketMessage => ({
  id,
  ticketId: 't-1',
  seq,
  visibility: 'public',
  authorId: 'u-1',
  authorRole: 'customer',
  clientMessageId: `c-${id}`,
  text: `text ${id}`,
  createdAt: '2026-12-02T12:00:00.000Z',
  editedAt: null,
  deletedAt: null,
  ...patch,
});

describe('mergeMessages', () => {
  it('adds a replayed or re-fetched message once and keeps creation order', () => {
    const a = message('0193-a', 1);
    const b = message('0193-b', 2);
    const c = message('0193-c', 3);
    expect(mergeMessages([a, c], [b, c, a]).map((m) => m.id)).toEqual(['0193-a', '0193-b', '0193-c']);
  });

  it('replaces a message with its update or tombstone', () => {
    const a = message('0193-a', 1);
    const deleted = { ...a, text: null, deletedAt: '2026-12-02T12:01:00.000Z' };
    expect(mergeMessages([a], [deleted])).toEqual([deleted]);
  });
});

describe('isSeen', () => {
  it('is true for public messages up to the other side’s read pointer, never for internal notes', () => {
    expect(isSeen(message('a', 2), 2)).toBe(true);
    expect(isSeen(message('a', 3), 2)).toBe(false);
    expect(isSeen(message('a', 1, { visibility: 'internal' }), 5)).toBe(false);
  });
});
