import { z } from 'zod';
import { Envelope, envelopeSchema } from './envelope';

/**
 * The notification inbox (notification-worker, `GET /inbox` and friends; docs/protocol.md, "Inbox"):
 * every `notification.*` event the worker sends to `user:{id}` is also kept as an item of that
 * user's inbox, with its seen, read and archived state, so what arrived while they were offline
 * is still there on the next sign-in.
 */

export const INBOX_EVENT_TYPES = {
  /** An item was added or changed (seen, read, archived): the whole item as it now is. */
  item: 'inbox.item',
  /** The user's counts after a change. */
  counts: 'inbox.counts',
} as const;

const timestamp = z.iso.datetime({ offset: true });

/** The notification an item keeps: what the user was told, and the event that told them. */
export const inboxNotificationSchema = z.object({
  /** The `notification.*` event's id: one item per event and user, however often it is delivered. */
  eventId: z.uuid(),
  /** e.g. `notification.order_status`. */
  type: z.string().min(1),
  /** Ready to show; empty when the event carried no `text`. */
  text: z.string(),
  /** What it is about (the order id for order notifications). */
  subject: z.string().min(1),
  /** When the event happened (its `time`). */
  time: timestamp,
  /** The event's `data` as sent (for order status: `{ orderId, status, text }`). */
  data: z.unknown(),
});
export type InboxNotification = z.infer<typeof inboxNotificationSchema>;

/** One item of a user's inbox. `seenAt`, `readAt`, `archivedAt` are null until set. */
export const inboxItemSchema = z.object({
  /** UUIDv7, newer items sort after older ones: `GET /inbox` pages on it. */
  id: z.uuid(),
  createdAt: timestamp,
  notification: inboxNotificationSchema,
  seenAt: timestamp.nullable(),
  readAt: timestamp.nullable(),
  archivedAt: timestamp.nullable(),
});
export type InboxItem = z.infer<typeof inboxItemSchema>;

/** Items not archived that were never seen, and never read. */
export const inboxCountsSchema = z.object({
  unseen: z.number().int().nonnegative(),
  unread: z.number().int().nonnegative(),
});
export type InboxCounts = z.infer<typeof inboxCountsSchema>;

export const INBOX_FILTERS = ['unread', 'unseen', 'archived', 'all'] as const;
export type InboxFilter = (typeof INBOX_FILTERS)[number];

/** `GET /inbox`: no `filter` lists every item not archived. */
export const listInboxQuerySchema = z.strictObject({
  /** `nextCursor` of the previous page. */
  cursor: z.uuid({ error: 'must be the nextCursor of a previous page' }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  filter: z.enum(INBOX_FILTERS).optional(),
});
export type ListInboxQuery = z.output<typeof listInboxQuerySchema>;

/** A page of `GET /inbox`, newest first; `nextCursor` is null on the last page. */
export interface InboxPage {
  items: InboxItem[];
  nextCursor: string | null;
}

/** `PATCH /inbox/:id`: at least one field. Reading an item also marks it seen. */
export const patchInboxItemBodySchema = z
  .strictObject({ read: z.boolean().optional(), seen: z.boolean().optional(), archived: z.boolean().optional() })
  .refine((body) => body.read !== undefined || body.seen !== undefined || body.archived !== undefined, {
    message: 'give at least one of read, seen, archived',
  });
export type PatchInboxItemBody = z.output<typeof patchInboxItemBodySchema>;

/** `POST /inbox/mark-all-read`, `POST /inbox/mark-all-seen`: how many items changed, and the counts after. */
export interface MarkAllResponse {
  updated: number;
  counts: InboxCounts;
}

/**
 * `inbox.item` on `user:{id}`: an item was added or changed; `data` is the item as it now is
 * (replace yours by `id`). `subject` is the user id.
 *
 * @example
 * client.subscribe(`user:${me}`, ({ event }) => { if (event.type === 'inbox.item') upsert(event.data); });
 */
export const inboxItemEventSchema = envelopeSchema.extend({
  type: z.literal(INBOX_EVENT_TYPES.item),
  data: inboxItemSchema,
});
export type InboxItemEvent = Envelope<'inbox.item', InboxItem>;

/**
 * `inbox.counts` on `user:{id}`: the user's `{ unseen, unread }` after any change of their inbox
 * (a new item, a PATCH, a mark-all). The latest by offset is current.
 *
 * @example
 * client.subscribe(`user:${me}`, ({ event }) => { if (event.type === 'inbox.counts') badge(event.data.unread); });
 */
export const inboxCountsEventSchema = envelopeSchema.extend({
  type: z.literal(INBOX_EVENT_TYPES.counts),
  data: inboxCountsSchema,
});
export type InboxCountsEvent = Envelope<'inbox.counts', InboxCounts>;
