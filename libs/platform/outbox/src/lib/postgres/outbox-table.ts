import { currentTraceContext } from '@shopnest/platform-tracing';

/**
 * Where a service keeps its outbox: the table, the column holding each entry's key (the
 * aggregate id, also the Kafka message key) and that column's SQL type.
 *
 * @example
 * const ORDERS_OUTBOX: OutboxTable = { table: 'outbox', keyColumn: 'order_id', keyType: 'uuid' };
 */
export interface OutboxTable {
  table: string;
  keyColumn: string;
  keyType: 'uuid' | 'text';
  /**
   * SQL that keeps what pruning deletes, reading the deleted rows from `pruned` (all the outbox
   * columns), e.g. `INSERT INTO order_timeline (...) SELECT ... FROM pruned`; runs in the same
   * statement. Unset: pruned entries are gone.
   */
  archive?: string;
}

const SQL_NAME = /^[a-z_][a-z0-9_]{0,40}$/;

/** The identifiers a {@link PostgresOutbox} interpolates, checked once (they are code constants, never input). */
export function outboxTableNames(spec: OutboxTable, schema: string) {
  for (const name of [spec.table, spec.keyColumn]) {
    if (!SQL_NAME.test(name)) throw new Error(`outbox table: ${JSON.stringify(name)} is not a plain SQL name`);
  }
  return {
    table: spec.table,
    key: spec.keyColumn,
    keys: `${spec.keyType}[]`,
    channel: outboxNotifyChannel(spec, schema),
  };
}

/**
 * The channel on which a writer wakes the relays once its entries committed
 * (`db.notify(channel)`, after the transaction, never in it: see `SqlDatabase.notify`): one per
 * table and schema, so services sharing a database never wake each other.
 */
export const outboxNotifyChannel = (spec: OutboxTable, schema: string): string => `${spec.table}_${schema}`;

/**
 * The DDL of an outbox table for a migration: the columns {@link PostgresOutbox} reads
 * (`available_at` holds back rate-limited entries, `revision` guards replaced ones) and the
 * partial indexes that keep claims cheap however long the table grows.
 *
 * @example
 * { version: 1, name: 'tickets', sql: `CREATE TABLE tickets (...);` + outboxTableSql(SUPPORT_OUTBOX) }
 */
export function outboxTableSql(spec: OutboxTable): string {
  const { table, key } = outboxTableNames(spec, 'public');
  return `
CREATE TABLE ${table} (
  id           bigserial PRIMARY KEY,
  ${key}       ${spec.keyType} NOT NULL,
  event_id     uuid NOT NULL UNIQUE,
  type         text NOT NULL,
  event        jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  available_at timestamptz NOT NULL DEFAULT now(),
  revision     integer NOT NULL DEFAULT 0,
  sent_at      timestamptz
);
CREATE INDEX ${table}_pending ON ${table} (id) WHERE sent_at IS NULL;
CREATE INDEX ${table}_pending_by_key ON ${table} (${key}, id) WHERE sent_at IS NULL;
CREATE INDEX ${table}_sent ON ${table} (sent_at) WHERE sent_at IS NOT NULL;
`;
}

/**
 * The DDL that adds the trace-context columns {@link PostgresOutbox} reads to an outbox table made
 * by {@link outboxTableSql} (which stays as shipped: migrations that used it must not change), for
 * a later migration. Nullable: rows written with tracing off carry none.
 *
 * @example
 * { version: 2, name: 'outbox-trace-context', sql: outboxTraceColumnsSql(SUPPORT_OUTBOX) }
 */
export function outboxTraceColumnsSql(spec: OutboxTable): string {
  const { table } = outboxTableNames(spec, 'public');
  return `
-- The W3C trace context of the request that wrote the entry (CloudEvents distributed tracing).
ALTER TABLE ${table} ADD COLUMN traceparent text, ADD COLUMN tracestate text;
`;
}

/**
 * The statement that appends a change's entries (one key, in the given order) inside the domain's
 * transaction, in one round trip, and its parameters, with the caller's trace context (tracing on;
 * the table needs the columns of {@link outboxTraceColumnsSql}), and the channel to wake the relays
 * on once the transaction committed. The statement is a plain `INSERT … SELECT` with parameters
 * `$1`–`$6`, so a caller may put data-modifying CTEs of its own in front (`WITH … ${sql}`, numbering
 * its parameters from `$7`) and save a round trip.
 *
 * @example
 * const append = outboxAppendSql(SUPPORT_OUTBOX, db.schema);
 * await db.transaction((tx) => tx.query(append.sql, append.params(ticket.id, [created, assigned])));
 * db.notify(append.channel);
 */
export function outboxAppendSql(spec: OutboxTable, schema: string) {
  const { table, key, channel } = outboxTableNames(spec, schema);
  return {
    sql: `INSERT INTO ${table} (${key}, event_id, type, event, available_at, created_at, traceparent, tracestate)
          SELECT $1, e.id, e.type, e.event, now(), clock_timestamp(), $5, $6
            FROM unnest($2::uuid[], $3::text[], $4::jsonb[]) WITH ORDINALITY AS e (id, type, event, ord)
           ORDER BY e.ord`,
    channel,
    params: (key: string, events: readonly { id: string; type: string }[], trace = currentTraceContext()) => [
      key,
      events.map((event) => event.id),
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event)),
      trace?.traceparent ?? null,
      trace?.tracestate ?? null,
    ],
  };
}
