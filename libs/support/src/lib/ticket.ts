import { MessageVisibility, TicketMessage, TicketStatus } from '@shopnest/contracts';

/** A support ticket as the API shows it. */
export interface Ticket {
  id: string;
  customerId: string;
  subject: string;
  /** The customer's order it is about, checked to be theirs when opened. */
  orderId: string | null;
  status: TicketStatus;
  assigneeId: string | null;
  /** Increments with every event of the ticket: the events' `sequence`. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** When the last message (of any visibility the reader may see) was written. */
  lastMessageAt: string | null;
}

/** A ticket in a list, with the caller's unread count. */
export interface TicketSummary extends Ticket {
  unread: number;
}

/** One ticket (`GET /tickets/:id`): also how far the other side has read, so "seen" ticks show on load. */
export interface TicketDetail extends TicketSummary {
  /** The `seq` of the last public message the other side has read (for the customer: any agent; for an agent: the customer); 0: none. */
  otherSideReadSeq: number;
}

/** Who acts: the customer of the ticket or an agent. */
export interface Member {
  userId: string;
  role: 'customer' | 'agent';
}

/** How long an author may still edit their message. */
export const EDIT_WINDOW_MS = 15 * 60 * 1000;

/** The status changes an agent may make; a customer's message reopens a pending or resolved ticket by itself. */
const AGENT_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  open: ['pending', 'resolved'],
  pending: ['open', 'resolved'],
  resolved: ['open'],
};

export const allowedTransitions = (from: TicketStatus): readonly TicketStatus[] => AGENT_TRANSITIONS[from];

/** The message the reader may see: internal notes only for agents. */
export const visibleTo = (member: Member, visibility: MessageVisibility): boolean =>
  visibility === 'public' || member.role === 'agent';

/** Whether the edit window of `message` has passed at `now`. */
export const editWindowClosed = (message: TicketMessage, now: Date): boolean =>
  now.getTime() - Date.parse(message.createdAt) > EDIT_WINDOW_MS;
