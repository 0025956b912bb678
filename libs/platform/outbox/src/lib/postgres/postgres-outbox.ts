import { Envelope } from '@shopnest/contracts';
import { SqlDatabase, SqlExecutor } from '@shopnest/platform-sql';
import type { TraceContext } from '@shopnest/platform-tracing';
import { Outbox, OutboxBacklog, OutboxEntry } from '../outbox.port';
import { OutboxTable, outboxTableNames } from './outbox-table';

interface ClaimedRow {
  id: string | number;
  key: string;
  event: Envelope;
  created_at: Date;
  revision: number;
  due: boolean;
  traceparent: string | null;
  tracestate: string | null;
}

/**
 * {@link Outbox} over an outbox table (see {@link outboxTableSql} and {@link outboxTraceColumnsSql}) that a domain's repository
 * writes in its transactions, with the column that holds the key (`order_id`, `ticket_id`).
 *
 * A claim locks the oldest unpublished entry of each key (`FOR UPDATE SKIP LOCKED`, so
 * replicas split the keys between them), then the later due entries of those same keys:
 * no other relay can take them, because it would first need the locked head to be published.
 * On the server the locks are held, in one transaction, until the entries are marked published
 * after `publish` resolved; a crash rolls the claim back. PGlite runs one transaction at a time,
 * so there the claim is not held across `publish` (one relay per process needs no lock), and
 * marking only matches entries whose `revision` did not change meanwhile: a position replaced
 * during the publish stays pending and goes out again with its new value. Due times compare with
 * `clock_timestamp()`, not `now()`: a claim's transaction may have begun before the change it
 * reads committed.
 */
export class PostgresOutbox extends Outbox {
  /** Without held locks (PGlite): the keys whose entries a relay call of this process is publishing. */
  private readonly publishing = new Set<string>();
  private readonly names: ReturnType<typeof outboxTableNames>;

  constructor(
    private readonly db: SqlDatabase,
    private readonly table: OutboxTable,
  ) {
    super();
    this.names = outboxTableNames(table, db.schema);
  }

  async relay(limit: number, publish: (entries: OutboxEntry[]) => Promise<void>): Promise<number> {
    if (this.db.concurrentTransactions) return this.db.transaction((tx) => this.claimAndPublish(tx, limit, publish));
    const claimed = new Set<string>();
    try {
      return await this.claimAndPublish(this.db, limit, publish, claimed);
    } finally {
      claimed.forEach((key) => this.publishing.delete(key));
    }
  }

  private async claimAndPublish(
    sql: SqlExecutor,
    limit: number,
    publish: (entries: OutboxEntry[]) => Promise<void>,
    claimedHere?: Set<string>,
  ): Promise<number> {
    const { table, key, keys } = this.names;
    // One statement (one round trip on a connection request handlers also wait for): the heads,
    // locked and skipped when another relay holds them, then every pending entry of their keys.
    const rows = await sql.query<ClaimedRow>(
      `WITH heads AS (
         SELECT o.${key} AS key FROM ${table} o
          WHERE o.sent_at IS NULL AND o.available_at <= clock_timestamp()
            AND o.id = (SELECT min(i.id) FROM ${table} i WHERE i.${key} = o.${key} AND i.sent_at IS NULL)
            AND NOT (o.${key} = ANY($2::${keys}))
          ORDER BY o.id
          LIMIT $1
          FOR UPDATE OF o SKIP LOCKED)
       SELECT id, ${key} AS key, event, created_at, revision, available_at <= clock_timestamp() AS due,
              traceparent, tracestate
         FROM ${table}
        WHERE ${key} IN (SELECT key FROM heads) AND sent_at IS NULL
        ORDER BY id
        FOR UPDATE`,
      [limit, [...this.publishing]],
    );
    if (rows.length === 0) return 0;
    if (claimedHere) {
      rows.forEach((row) => {
        this.publishing.add(row.key);
        claimedHere.add(row.key);
      });
    }
    const claimed: ClaimedRow[] = [];
    const blocked = new Set<string>();
    for (const row of rows) {
      if (claimed.length >= limit) break;
      if (blocked.has(row.key)) continue;
      // An entry not yet due holds back everything after it of its key.
      if (!row.due) blocked.add(row.key);
      else claimed.push(row);
    }
    if (claimed.length === 0) return 0;
    await publish(
      claimed.map((row) => ({
        id: Number(row.id),
        key: row.key,
        event: row.event,
        createdAt: row.created_at,
        ...(row.traceparent ? { trace: traceOf(row.traceparent, row.tracestate) } : {}),
      })),
    );
    // clock_timestamp(), not now(): the time of the broker's ack, not of the claim's transaction start.
    await sql.query(
      `UPDATE ${table} SET sent_at = clock_timestamp()
         FROM unnest($1::bigint[], $2::integer[]) AS claimed (id, revision)
        WHERE ${table}.id = claimed.id AND ${table}.revision = claimed.revision`,
      [claimed.map((row) => String(row.id)), claimed.map((row) => row.revision)],
    );
    return claimed.length;
  }

  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.db.query<{ pending: number; oldest_age_ms: number | null; next_due_in_ms: number | null }>(
      `SELECT count(*)::integer AS pending,
              -- greatest(): another transaction's clock_timestamp() may be a hair ahead of ours.
              CASE WHEN count(*) = 0 THEN NULL
                   ELSE greatest(0, extract(epoch FROM clock_timestamp() - min(created_at)) * 1000) END::float8 AS oldest_age_ms,
              (extract(epoch FROM min(available_at) FILTER (WHERE available_at > clock_timestamp()) - clock_timestamp()) * 1000)::float8
                AS next_due_in_ms
         FROM ${this.names.table} WHERE sent_at IS NULL`,
    );
    return {
      pending: row?.pending ?? 0,
      oldestAgeMs: row?.oldest_age_ms ?? null,
      nextDueInMs: row?.next_due_in_ms ?? null,
    };
  }

  async prune(sentBefore: Date, limit: number): Promise<number> {
    const { table } = this.names;
    const archive = this.table.archive ? `, archived AS (${this.table.archive})` : '';
    const [row] = await this.db.query<{ pruned: number }>(
      `WITH pruned AS (
         DELETE FROM ${table} WHERE id IN (
           SELECT id FROM ${table} WHERE sent_at IS NOT NULL AND sent_at < $1
            ORDER BY sent_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING *)${archive}
       SELECT count(*)::int AS pruned FROM pruned`,
      [sentBefore, limit],
    );
    return row?.pruned ?? 0;
  }

  watch(listener: () => void): Promise<() => Promise<void>> {
    return this.db.listen(this.names.channel, listener);
  }
}

const traceOf = (traceparent: string, tracestate: string | null): TraceContext =>
  tracestate ? { traceparent, tracestate } : { traceparent };
