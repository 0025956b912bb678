import { Migration } from '@shopnest/platform-sql';
import { outboxTableSql, OutboxTable, outboxTraceColumnsSql } from '@shopnest/platform-outbox';

/** The support desk's outbox: the relay publishes it to `shopnest.support.v1`, key = ticket id. */
export const SUPPORT_OUTBOX: OutboxTable = { table: 'support_outbox', keyColumn: 'ticket_id', keyType: 'uuid' };

/** Tickets, their messages (the chat history), members' read pointers, and the outbox. */
const ticketsAndMessages: Migration = {
  version: 1,
  name: 'tickets-messages-reads-outbox',
  sql: `
CREATE TABLE tickets (
  id              uuid PRIMARY KEY,
  customer_id     text NOT NULL,
  subject         text NOT NULL,
  order_id        uuid,
  status          text NOT NULL,
  assignee_id     text,
  -- Bumped by every event of the ticket: the events' sequence.
  version         integer NOT NULL CHECK (version >= 1),
  -- The last message number given out, per visibility (a customer's numbers have no gaps for notes).
  public_seq      integer NOT NULL DEFAULT 0,
  internal_seq    integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  last_public_at  timestamptz,
  last_message_at timestamptz
);
CREATE INDEX tickets_by_customer ON tickets (customer_id, id DESC);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, id DESC);

CREATE TABLE ticket_messages (
  id                uuid PRIMARY KEY,
  ticket_id         uuid NOT NULL REFERENCES tickets (id),
  visibility        text NOT NULL CHECK (visibility IN ('public', 'internal')),
  seq               integer NOT NULL,
  author_id         text NOT NULL,
  author_role       text NOT NULL,
  client_message_id text NOT NULL,
  -- NULL once deleted: the row stays as a tombstone.
  text              text,
  created_at        timestamptz NOT NULL,
  edited_at         timestamptz,
  deleted_at        timestamptz,
  UNIQUE (ticket_id, visibility, seq),
  -- A retried send finds its first attempt here.
  UNIQUE (ticket_id, author_id, client_message_id)
);
CREATE INDEX ticket_messages_by_ticket ON ticket_messages (ticket_id, id);

-- How far each member has read the public messages; only ever moves forward.
CREATE TABLE ticket_reads (
  ticket_id  uuid NOT NULL REFERENCES tickets (id),
  member_id  text NOT NULL,
  up_to_seq  integer NOT NULL,
  PRIMARY KEY (ticket_id, member_id)
);
${outboxTableSql(SUPPORT_OUTBOX)}
`,
};

/** The trace context of the request that wrote each outbox row (NULL with tracing off), for the relay's span. */
const outboxTraceContext: Migration = {
  version: 2,
  name: 'outbox-trace-context',
  sql: outboxTraceColumnsSql(SUPPORT_OUTBOX),
};

/** Every migration, oldest first. Append new ones; never edit one that has shipped. */
export const SUPPORT_MIGRATIONS: readonly Migration[] = [ticketsAndMessages, outboxTraceContext];
