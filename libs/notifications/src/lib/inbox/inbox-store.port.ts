import { InboxCounts, InboxFilter, InboxItem, InboxNotification } from '@shopnest/contracts';

/** A change `PATCH /inbox/:id` asks for: each field given sets (true) or clears (false) its timestamp. */
export interface InboxItemChange {
  read?: boolean;
  seen?: boolean;
  archived?: boolean;
}

/** Outcome of {@link InboxStore.update}: the item as it now is, and whether anything changed. */
export type InboxUpdate = { item: InboxItem; changed: boolean } | null;

/**
 * Where the notification worker keeps every user's inbox (SQL on PostgreSQL, or PGlite in the
 * one-process mode and in tests).
 *
 * Guarantees:
 * - `add` is idempotent per (user, notification event id): a redelivered event returns `null`
 *   and leaves the first item as it was (its id, its state).
 * - Every read and write is scoped to `userId`: an item of another user is indistinguishable from
 *   a missing one (`null`).
 * - `list` is newest first (by id, UUIDv7); a page's `nextCursor` continues after its last item,
 *   so items added meanwhile never shift a page.
 * - `counts` exclude archived items.
 * - `prune` deletes at most `limit` items created before `before`, oldest first.
 *
 * @example
 * const item = await store.add('u-1', notification); // null when it was there already
 * await store.update('u-1', item.id, { read: true });
 */
export abstract class InboxStore {
  /** Adds the item for `notification`; `null` when this user already has it. */
  abstract add(userId: string, notification: InboxNotification, now?: Date): Promise<InboxItem | null>;
  abstract list(
    userId: string,
    query: { cursor?: string; limit: number; filter?: InboxFilter },
  ): Promise<{ items: InboxItem[]; nextCursor: string | null }>;
  abstract get(userId: string, id: string): Promise<InboxItem | null>;
  /** The item `add` made for this user and notification event id, as it now is; `null` when none. */
  abstract findByEvent(userId: string, eventId: string): Promise<InboxItem | null>;
  /** `null` when the user has no such item. */
  abstract update(userId: string, id: string, change: InboxItemChange, now?: Date): Promise<InboxUpdate>;
  /** Marks every unread item read (and seen); resolves with how many changed. */
  abstract markAllRead(userId: string, now?: Date): Promise<number>;
  /** Marks every unseen item seen; resolves with how many changed. */
  abstract markAllSeen(userId: string, now?: Date): Promise<number>;
  abstract counts(userId: string): Promise<InboxCounts>;
  /** Deletes up to `limit` items created before `before`; resolves with how many. */
  abstract prune(before: Date, limit: number): Promise<number>;
}
