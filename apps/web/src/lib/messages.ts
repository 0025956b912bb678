import type { TicketMessage } from '@shopnest/contracts';

/**
 * Merges messages by id (an update or tombstone replaces the earlier copy; a replay or a REST page
 * overlapping live events adds nothing twice) and orders them by time of creation.
 */
export function mergeMessages(current: readonly TicketMessage[], incoming: readonly TicketMessage[]): TicketMessage[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  // UUIDv7 ids sort by creation time, across both visibilities (seq counts each one apart).
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Whether the other side has read `message` (public, one's own), given their read pointer's seq. */
export function isSeen(message: TicketMessage, otherSideReadSeq: number): boolean {
  return message.visibility === 'public' && message.seq <= otherSideReadSeq;
}
