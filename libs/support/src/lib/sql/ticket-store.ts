import {
  MessageVisibility,
  SupportEvent,
  SupportEventOf,
  SupportEventType,
  TicketMessage,
  TicketStatus,
} from '@shopnest/contracts';
import { outboxAppendSql } from '@shopnest/platform-outbox';
import { SqlDatabase, SqlExecutor } from '@shopnest/platform-sql';
import { v7 as uuidv7 } from 'uuid';
import { MessageNotFound, TicketNotFound } from '../support.errors';
import { supportEvent } from '../support-events.factory';
import { Member, Ticket, TicketSummary } from '../ticket';
import { SUPPORT_OUTBOX } from './migrations';

interface TicketRow {
  id: string;
  customer_id: string;
  subject: string;
  order_id: string | null;
  status: TicketStatus;
  assignee_id: string | null;
  version: number;
  public_seq: number;
  internal_seq: number;
  created_at: Date;
  updated_at: Date;
  last_public_at: Date | null;
  last_message_at: Date | null;
}

interface MessageRow {
  id: string;
  ticket_id: string;
  visibility: MessageVisibility;
  seq: number;
  author_id: string;
  author_role: 'customer' | 'agent';
  client_message_id: string;
  text: string | null;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

const toTicket = (row: TicketRow, member?: Member): Ticket => ({
  id: row.id,
  customerId: row.customer_id,
  subject: row.subject,
  orderId: row.order_id,
  status: row.status,
  assigneeId: row.assignee_id,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  // A customer never learns when the last internal note was written.
  lastMessageAt: iso(member?.role === 'customer' ? row.last_public_at : row.last_message_at),
});

const toMessage = (row: MessageRow): TicketMessage => ({
  id: row.id,
  ticketId: row.ticket_id,
  seq: row.seq,
  visibility: row.visibility,
  authorId: row.author_id,
  authorRole: row.author_role,
  clientMessageId: row.client_message_id,
  text: row.text,
  createdAt: row.created_at.toISOString(),
  editedAt: iso(row.edited_at),
  deletedAt: iso(row.deleted_at),
});

const TICKET_COLUMNS = `id, customer_id, subject, order_id, status, assignee_id, version, public_seq, internal_seq,
  created_at, updated_at, last_public_at, last_message_at`;

/** Public messages of ticket `t` that user `u` did not write and has not read (for `unread` in SQL). */
const UNREAD_SQL = (t: string, u: string) => `(
  SELECT count(*)::int FROM ticket_messages m
   WHERE m.ticket_id = ${t} AND m.visibility = 'public' AND m.author_id <> ${u} AND m.deleted_at IS NULL
     AND m.seq > coalesce((SELECT r.up_to_seq FROM ticket_reads r WHERE r.ticket_id = ${t} AND r.member_id = ${u}), 0))`;

/** Which tickets a list shows: a customer's own; an agent's assigned, unassigned or all. */
export type TicketFilter = { customerId: string } | { assigneeId: string } | { unassigned: true } | { all: true };

export interface NewMessage {
  clientMessageId: string;
  text: string;
  visibility: MessageVisibility;
}

type OutboxAppend = ReturnType<typeof outboxAppendSql>;

/** One change of one ticket, inside its transaction: the locked row, and the events it appends. */
class TicketChange {
  private version: number;
  private readonly events: SupportEvent[] = [];

  /** `fromVersion`: the version before this change (0 for the change that creates the ticket). */
  constructor(
    readonly tx: SqlExecutor,
    readonly row: TicketRow,
    readonly now: Date,
    fromVersion = row.version,
  ) {
    this.version = fromVersion;
  }

  emit<T extends SupportEventType>(type: T, data: SupportEventOf<T>['data']): void {
    this.version += 1;
    this.events.push(supportEvent(type, this.row.id, this.version, data, this.now));
  }

  get ref() {
    return { ticketId: this.row.id, customerId: this.row.customer_id };
  }

  /** Whether the change appends events: then the relays are woken once it committed. */
  get appends(): boolean {
    return this.events.length > 0;
  }

  /** Writes the new version and appends the events to the outbox, in one statement. */
  async commit(append: OutboxAppend): Promise<number> {
    if (!this.appends) return this.version;
    await this.tx.query(
      `WITH bumped AS (UPDATE tickets SET version = $7, updated_at = $8 WHERE id = $1) ${append.sql}`,
      [...append.params(this.row.id, this.events), this.version, this.now],
    );
    return this.version;
  }
}

/**
 * Tickets, messages and read pointers in SQL (the PostgreSQL server, or PGlite in the one-process
 * mode: same statements). Every change locks its ticket row, writes its rows and appends its
 * events to `support_outbox` in one transaction, so a committed change never loses its event and
 * one ticket's events are appended in commit order (their `sequence` is the ticket's version).
 * Unread counts are derived, never stored: public messages by others past the member's pointer.
 */
export class TicketStore {
  private readonly append: OutboxAppend;

  constructor(private readonly db: SqlDatabase) {
    this.append = outboxAppendSql(SUPPORT_OUTBOX, db.schema);
  }

  /** Opens a ticket with its first (public) message, which its customer has read. */
  async open(input: {
    customerId: string;
    subject: string;
    orderId: string | null;
    message: Omit<NewMessage, 'visibility'>;
  }): Promise<{ ticket: Ticket; message: TicketMessage }> {
    const now = new Date();
    const id = uuidv7();
    return this.inTransaction(async (tx) => {
      const [row] = await tx.query<TicketRow>(
        `INSERT INTO tickets (id, customer_id, subject, order_id, status, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'open', 1, $5, $5) RETURNING ${TICKET_COLUMNS}`,
        [id, input.customerId, input.subject, input.orderId, now],
      );
      const change = new TicketChange(tx, row as TicketRow, now, 0);
      change.emit('ticket.created', {
        ...change.ref,
        subject: input.subject,
        orderId: input.orderId,
        status: 'open',
      });
      const customer: Member = { userId: input.customerId, role: 'customer' };
      const message = await this.insertMessage(change, customer, { ...input.message, visibility: 'public' });
      const version = await change.commit(this.append);
      return [{ ticket: { ...toTicket(change.row), version, lastMessageAt: message.createdAt }, message }, change];
    });
  }

  /**
   * Appends a message, or returns the one an earlier attempt with the same `clientMessageId`
   * (same ticket, same author) created: a retried send never makes a second message.
   * A customer's message reopens a pending or resolved ticket; a public message moves its
   * author's read pointer and changes the other side's unread count.
   */
  async postMessage(
    ticketId: string,
    author: Member,
    input: NewMessage,
  ): Promise<{ message: TicketMessage; created: boolean; ticket: Ticket }> {
    return this.change(ticketId, async (change) => {
      const [existing] = await change.tx.query<MessageRow>(
        'SELECT * FROM ticket_messages WHERE ticket_id = $1 AND author_id = $2 AND client_message_id = $3',
        [ticketId, author.userId, input.clientMessageId],
      );
      if (existing) return { message: toMessage(existing), created: false };
      const message = await this.insertMessage(change, author, input);
      if (author.role === 'customer' && change.row.status !== 'open') {
        await change.tx.query(`UPDATE tickets SET status = 'open' WHERE id = $1`, [ticketId]);
        change.emit('ticket.status_changed', { ...change.ref, from: change.row.status, to: 'open' });
        change.row.status = 'open';
      }
      if (input.visibility === 'public') {
        const other = author.role === 'customer' ? change.row.assignee_id : change.row.customer_id;
        if (other !== null) await this.emitUnread(change, other);
      }
      return { message, created: true };
    });
  }

  /** Replaces the text of a message (the caller checked who may); `message.updated`. */
  async editMessage(ticketId: string, messageId: string, text: string): Promise<TicketMessage> {
    return this.changeMessage(ticketId, messageId, 'message.updated', 'text = $3::text, edited_at = $4', text);
  }

  /** Deletes a message as a tombstone: the row stays, its text goes; `message.deleted`. */
  async deleteMessage(ticketId: string, messageId: string): Promise<TicketMessage> {
    return this.changeMessage(ticketId, messageId, 'message.deleted', 'text = $3::text, deleted_at = $4', null);
  }

  async assign(ticketId: string, assigneeId: string, by: string): Promise<Ticket> {
    return this.change(ticketId, async (change) => {
      const previous = change.row.assignee_id;
      if (previous === assigneeId) return {};
      await change.tx.query('UPDATE tickets SET assignee_id = $2 WHERE id = $1', [ticketId, assigneeId]);
      change.row.assignee_id = assigneeId;
      change.emit('ticket.assigned', { ...change.ref, assigneeId, assignedBy: by });
      // The ticket's unread messages move from one agent's total to the other's.
      await this.emitUnread(change, assigneeId);
      if (previous !== null) await this.emitUnread(change, previous);
      return {};
    }).then(({ ticket }) => ticket);
  }

  async changeStatus(ticketId: string, check: (from: TicketStatus) => void, to: TicketStatus): Promise<Ticket> {
    return this.change(ticketId, async (change) => {
      const from = change.row.status;
      check(from);
      await change.tx.query('UPDATE tickets SET status = $2 WHERE id = $1', [ticketId, to]);
      change.row.status = to;
      change.emit('ticket.status_changed', { ...change.ref, from, to });
      return {};
    }).then(({ ticket }) => ticket);
  }

  /**
   * Moves `member`'s read pointer forward to the public message `upToMessageId` (never back);
   * `ticket.read` and the member's `unread.changed` when it moved. Null when it did not.
   */
  async markRead(ticketId: string, member: Member, upToMessageId: string): Promise<{ upToSeq: number } | null> {
    const { moved } = await this.change(ticketId, async (change) => {
      const [target] = await change.tx.query<{ seq: number }>(
        `SELECT seq FROM ticket_messages WHERE id = $1 AND ticket_id = $2 AND visibility = 'public'`,
        [upToMessageId, ticketId],
      );
      if (!target) throw new MessageNotFound(upToMessageId);
      const moved = await this.moveReadPointer(change, member, target.seq);
      if (!moved) return { moved: null };
      change.emit('ticket.read', {
        ...change.ref,
        readerId: member.userId,
        readerRole: member.role,
        upToMessageId,
        upToSeq: target.seq,
      });
      await this.emitUnread(change, member.userId);
      return { moved: { upToSeq: target.seq } };
    });
    return moved;
  }

  async find(ticketId: string, member?: Member): Promise<Ticket | null> {
    const [row] = await this.db.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1`, [ticketId]);
    return row ? toTicket(row, member) : null;
  }

  async findMessage(ticketId: string, messageId: string): Promise<TicketMessage | null> {
    const [row] = await this.db.query<MessageRow>('SELECT * FROM ticket_messages WHERE id = $1 AND ticket_id = $2', [
      messageId,
      ticketId,
    ]);
    return row ? toMessage(row) : null;
  }

  /** Newest first, `limit` per page, before the ticket id `before`; each with `reader`'s unread count. */
  async list(filter: TicketFilter, reader: Member, page: { before?: string; limit: number }): Promise<TicketSummary[]> {
    const where: string[] = [];
    const params: unknown[] = [reader.userId, page.limit];
    if ('customerId' in filter) where.push(`customer_id = $${params.push(filter.customerId)}`);
    if ('assigneeId' in filter) where.push(`assignee_id = $${params.push(filter.assigneeId)}`);
    if ('unassigned' in filter) where.push('assignee_id IS NULL');
    if (page.before) where.push(`id < $${params.push(page.before)}`);
    const rows = await this.db.query<TicketRow & { unread: number }>(
      `SELECT ${TICKET_COLUMNS}, ${UNREAD_SQL('tickets.id', '$1')} AS unread
         FROM tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT $2`,
      params,
    );
    return rows.map((row) => ({ ...toTicket(row, reader), unread: row.unread }));
  }

  /** How far the other side of `member` has read (the customer's pointer for an agent, the furthest agent's for the customer). */
  async otherSideReadSeq(ticketId: string, member: Member): Promise<number> {
    const [row] = await this.db.query<{ seq: number }>(
      `SELECT coalesce(max(r.up_to_seq), 0)::int AS seq FROM ticket_reads r JOIN tickets t ON t.id = r.ticket_id
        WHERE r.ticket_id = $1 AND (r.member_id = t.customer_id) = $2`,
      [ticketId, member.role === 'agent'],
    );
    return row?.seq ?? 0;
  }

  /** `member`'s unread count on one ticket. */
  async unread(ticketId: string, member: Member): Promise<number> {
    const [row] = await this.db.query<{ unread: number }>(`SELECT ${UNREAD_SQL('$1::uuid', '$2')} AS unread`, [
      ticketId,
      member.userId,
    ]);
    return row?.unread ?? 0;
  }

  /**
   * A page of history, by message id (UUIDv7, so creation order): `before` gives the page older
   * than that message, newest first; `after` the messages newer than it, oldest first (catching
   * up). Internal notes only when `withInternal`.
   */
  async messages(
    ticketId: string,
    page: { before?: string; after?: string; limit: number; withInternal: boolean },
  ): Promise<TicketMessage[]> {
    const params: unknown[] = [ticketId, page.limit];
    const where = ['ticket_id = $1'];
    if (!page.withInternal) where.push(`visibility = 'public'`);
    if (page.before) where.push(`id < $${params.push(page.before)}`);
    if (page.after) where.push(`id > $${params.push(page.after)}`);
    const order = page.after ? 'ASC' : 'DESC';
    const rows = await this.db.query<MessageRow>(
      `SELECT * FROM ticket_messages WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT $2`,
      params,
    );
    return rows.map(toMessage);
  }

  private async change<R extends object>(
    ticketId: string,
    work: (change: TicketChange) => Promise<R>,
  ): Promise<R & { ticket: Ticket }> {
    return this.inTransaction(async (tx) => {
      const [row] = await tx.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1 FOR UPDATE`, [
        ticketId,
      ]);
      if (!row) throw new TicketNotFound(ticketId);
      const change = new TicketChange(tx, row, new Date());
      const result = await work(change);
      const version = await change.commit(this.append);
      return [{ ...result, ticket: { ...toTicket(change.row), version } }, change];
    });
  }

  /** `work` in a transaction; once it committed, wakes the relays if its change appended events. */
  private async inTransaction<R>(work: (tx: SqlExecutor) => Promise<[R, TicketChange]>): Promise<R> {
    const [result, change] = await this.db.transaction(work);
    if (change.appends) this.db.notify(this.append.channel);
    return result;
  }

  private async changeMessage(
    ticketId: string,
    messageId: string,
    type: 'message.updated' | 'message.deleted',
    set: string,
    text: string | null,
  ): Promise<TicketMessage> {
    const { message } = await this.change(ticketId, async (change) => {
      const [row] = await change.tx.query<MessageRow>(
        `UPDATE ticket_messages SET ${set} WHERE ticket_id = $1 AND id = $2 RETURNING *`,
        [ticketId, messageId, text, change.now],
      );
      if (!row) throw new MessageNotFound(messageId);
      const message = toMessage(row);
      change.emit(type, { ...change.ref, message });
      if (type === 'message.deleted' && message.visibility === 'public') {
        // A deleted message no longer counts as unread for anyone.
        for (const member of [change.row.customer_id, change.row.assignee_id]) {
          if (member !== null && member !== message.authorId) await this.emitUnread(change, member);
        }
      }
      return { message };
    });
    return message;
  }

  /**
   * Inserts the message under the ticket's next number of its visibility and, when it is public,
   * moves its author's read pointer to it (their own message is read): one statement, where it
   * was three round trips.
   */
  private async insertMessage(change: TicketChange, author: Member, input: NewMessage): Promise<TicketMessage> {
    const counter = input.visibility === 'public' ? 'public_seq' : 'internal_seq';
    const lastAt = input.visibility === 'public' ? ', last_public_at = $8' : '';
    const [row] = await change.tx.query<MessageRow>(
      `WITH counted AS (
         UPDATE tickets SET ${counter} = ${counter} + 1, last_message_at = $8${lastAt} WHERE id = $2
         RETURNING ${counter} AS seq),
       inserted AS (
         INSERT INTO ticket_messages (id, ticket_id, visibility, seq, author_id, author_role, client_message_id, text, created_at)
         SELECT $1, $2, $3, seq, $4, $5, $6, $7, $8 FROM counted
         RETURNING *),
       author_read AS (
         INSERT INTO ticket_reads (ticket_id, member_id, up_to_seq)
         SELECT ticket_id, author_id, seq FROM inserted WHERE visibility = 'public'
         ON CONFLICT (ticket_id, member_id) DO UPDATE SET up_to_seq = excluded.up_to_seq
          WHERE ticket_reads.up_to_seq < excluded.up_to_seq)
       SELECT * FROM inserted`,
      [
        uuidv7(),
        change.row.id,
        input.visibility,
        author.userId,
        author.role,
        input.clientMessageId,
        input.text,
        change.now,
      ],
    );
    const message = toMessage(row as MessageRow);
    change.emit('message.created', { ...change.ref, message });
    return message;
  }

  /** Sets the pointer to `seq` if that is further; true when it moved. */
  private async moveReadPointer(change: TicketChange, member: Member, seq: number): Promise<boolean> {
    const moved = await change.tx.query(
      `INSERT INTO ticket_reads (ticket_id, member_id, up_to_seq) VALUES ($1, $2, $3)
       ON CONFLICT (ticket_id, member_id) DO UPDATE SET up_to_seq = excluded.up_to_seq
        WHERE ticket_reads.up_to_seq < excluded.up_to_seq
       RETURNING up_to_seq`,
      [change.row.id, member.userId, seq],
    );
    return moved.length > 0;
  }

  /** `unread.changed` for `userId`: this ticket's count and their total over their tickets. */
  private async emitUnread(change: TicketChange, userId: string): Promise<void> {
    // One pass over the user's tickets' unread public messages (a join, not a subquery per ticket).
    const [counts] = await change.tx.query<{ unread: number; total: number }>(
      `SELECT count(*) FILTER (WHERE t.id = $1::uuid)::int AS unread,
              count(*) FILTER (WHERE t.customer_id = $2 OR t.assignee_id = $2)::int AS total
         FROM tickets t
         JOIN ticket_messages m ON m.ticket_id = t.id
         LEFT JOIN ticket_reads r ON r.ticket_id = t.id AND r.member_id = $2
        WHERE (t.id = $1::uuid OR t.customer_id = $2 OR t.assignee_id = $2)
          AND m.visibility = 'public' AND m.author_id <> $2 AND m.deleted_at IS NULL
          AND m.seq > coalesce(r.up_to_seq, 0)`,
      [change.row.id, userId],
    );
    change.emit('unread.changed', {
      ...change.ref,
      userId,
      unread: counts?.unread ?? 0,
      totalUnread: counts?.total ?? 0,
    });
  }
}
