import { z } from 'zod';
import { envelopeSchema } from './envelope';

/** Source attribute of every event support-desk emits. */
export const SUPPORT_DESK_SOURCE = '/shopnest/support-desk';

/** Kafka topic of every ticket and message event, keyed by ticket id so one ticket's events stay in order. */
export const SUPPORT_TOPIC = 'shopnest.support.v1';
/** Partitions a service gives the support topic when it finds it missing. */
export const SUPPORT_TOPIC_PARTITIONS = 6;
/** Dead letters of {@link SUPPORT_TOPIC}. */
export const SUPPORT_DLQ_TOPIC = `${SUPPORT_TOPIC}.dlq`;

/** `open → pending → resolved`; `resolved → open` (and `pending → open`) when the customer writes again. */
export const TICKET_STATUSES = ['open', 'pending', 'resolved'] as const;
export const ticketStatusSchema = z.enum(TICKET_STATUSES);
export type TicketStatus = z.infer<typeof ticketStatusSchema>;

/** `public`: the customer and agents; `internal`: agents only (notes), never the customer by any path. */
export const MESSAGE_VISIBILITIES = ['public', 'internal'] as const;
export const messageVisibilitySchema = z.enum(MESSAGE_VISIBILITIES);
export type MessageVisibility = z.infer<typeof messageVisibilitySchema>;

/** A chat message as clients see it; a deleted one is a tombstone (`text: null`, `deletedAt` set). */
export const ticketMessageSchema = z.object({
  /** UUIDv7: time-ordered, the history cursor. */
  id: z.uuid(),
  ticketId: z.string().min(1),
  /** 1, 2, 3... per ticket and visibility, so a customer's sequence has no gaps where notes are. */
  seq: z.number().int().positive(),
  visibility: messageVisibilitySchema,
  authorId: z.string().min(1),
  authorRole: z.enum(['customer', 'agent']),
  clientMessageId: z.string().min(1),
  text: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  editedAt: z.iso.datetime({ offset: true }).nullable(),
  deletedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type TicketMessage = z.infer<typeof ticketMessageSchema>;

export const SUPPORT_EVENT_TYPES = {
  ticketCreated: 'ticket.created',
  ticketAssigned: 'ticket.assigned',
  ticketStatusChanged: 'ticket.status_changed',
  ticketRead: 'ticket.read',
  messageCreated: 'message.created',
  messageUpdated: 'message.updated',
  messageDeleted: 'message.deleted',
  unreadChanged: 'unread.changed',
} as const;

/** Every support event names its ticket and the ticket's customer (for routing). */
const ticketRef = { ticketId: z.string().min(1), customerId: z.string().min(1) };

export const ticketCreatedDataSchema = z.object({
  ...ticketRef,
  subject: z.string(),
  orderId: z.string().nullable(),
  status: ticketStatusSchema,
});
export const ticketAssignedDataSchema = z.object({
  ...ticketRef,
  assigneeId: z.string().min(1),
  assignedBy: z.string().min(1),
});
export const ticketStatusChangedDataSchema = z.object({
  ...ticketRef,
  from: ticketStatusSchema,
  to: ticketStatusSchema,
});
/** A member's read pointer moved (public messages only): "seen by an agent" for the customer. */
export const ticketReadDataSchema = z.object({
  ...ticketRef,
  readerId: z.string().min(1),
  readerRole: z.enum(['customer', 'agent']),
  upToMessageId: z.uuid(),
  upToSeq: z.number().int().positive(),
});
export const messageDataSchema = z.object({ ...ticketRef, message: ticketMessageSchema });
export const messageDeletedDataSchema = z.object({ ...ticketRef, message: ticketMessageSchema });
/** One user's unread count changed: on this ticket, and in total over their tickets. */
export const unreadChangedDataSchema = z.object({
  ...ticketRef,
  userId: z.string().min(1),
  unread: z.number().int().nonnegative(),
  totalUnread: z.number().int().nonnegative(),
});

/** Every support event, validated as a whole: envelope fields plus the data of its type. */
export const supportEventSchema = z.discriminatedUnion('type', [
  envelopeSchema.extend({ type: z.literal(SUPPORT_EVENT_TYPES.ticketCreated), data: ticketCreatedDataSchema }),
  envelopeSchema.extend({ type: z.literal(SUPPORT_EVENT_TYPES.ticketAssigned), data: ticketAssignedDataSchema }),
  envelopeSchema.extend({
    type: z.literal(SUPPORT_EVENT_TYPES.ticketStatusChanged),
    data: ticketStatusChangedDataSchema,
  }),
  envelopeSchema.extend({ type: z.literal(SUPPORT_EVENT_TYPES.ticketRead), data: ticketReadDataSchema }),
  envelopeSchema.extend({ type: z.literal(SUPPORT_EVENT_TYPES.messageCreated), data: messageDataSchema }),
  envelopeSchema.extend({ type: z.literal(SUPPORT_EVENT_TYPES.messageUpdated), data: messageDataSchema }),
  envelopeSchema.extend({ type: z.literal(SUPPORT_EVENT_TYPES.messageDeleted), data: messageDeletedDataSchema }),
  envelopeSchema.extend({ type: z.literal(SUPPORT_EVENT_TYPES.unreadChanged), data: unreadChangedDataSchema }),
]);

export type SupportEvent = z.infer<typeof supportEventSchema>;
export type SupportEventType = SupportEvent['type'];
export type SupportEventOf<T extends SupportEventType> = Extract<SupportEvent, { type: T }>;
