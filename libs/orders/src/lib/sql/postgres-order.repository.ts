import { OrderEvent, OrderStatus } from '@shopnest/contracts';
import { FINAL_STATUSES, Order, Position } from '../order';
import { OrderNotFound, OrderVersionConflict } from '../order.errors';
import {
  OrderOwner,
  OrderPage,
  OrderRepository,
  PositionOutcome,
  PositionReport,
  TimelineEntry,
} from '../order.repository.port';
import { SqlDatabase, SqlExecutor } from '@shopnest/platform-sql';
import { outboxNotifyChannel } from '@shopnest/platform-outbox';
import { currentTraceContext } from '@shopnest/platform-tracing';
import { ORDERS_OUTBOX } from './orders-outbox';

interface OrderRow {
  id: string;
  customer_id: string;
  items_summary: string;
  total_cents: string | number;
  status: OrderStatus;
  courier_id: string | null;
  position: Position | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const ORDER_COLUMNS =
  'id, customer_id, items_summary, total_cents, status, courier_id, position, version, created_at, updated_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UNIQUE_VIOLATION = '23505';

const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  customerId: row.customer_id,
  itemsSummary: row.items_summary,
  totalCents: Number(row.total_cents),
  status: row.status,
  courierId: row.courier_id,
  position: row.position,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** The caller's trace context for the outbox row's `traceparent`, `tracestate` (NULL with tracing off). */
function traceColumns(): [string | null, string | null] {
  const trace = currentTraceContext();
  return [trace?.traceparent ?? null, trace?.tracestate ?? null];
}

/**
 * {@link OrderRepository} in SQL on a {@link SqlDatabase}: the PostgreSQL server (production) or
 * PGlite (one-process mode), same statements. Each change writes the order row first (which locks
 * it, so changes of one order append their events in commit order) and then its outbox row, in
 * one transaction; the commit notifies the relays.
 */
export class PostgresOrderRepository extends OrderRepository {
  private readonly channel: string;

  constructor(private readonly db: SqlDatabase) {
    super();
    this.channel = outboxNotifyChannel(ORDERS_OUTBOX, db.schema);
  }

  async create(order: Order, event: OrderEvent): Promise<void> {
    await this.db
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO orders (${ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
          order.id,
          order.customerId,
          order.itemsSummary,
          order.totalCents,
          order.status,
          order.courierId,
          order.position === null ? null : JSON.stringify(order.position),
          order.version,
          order.createdAt,
          order.updatedAt,
        ]);
        await this.append(tx, order.id, event);
      })
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new Error(`order ${order.id} already exists`);
        throw error;
      });
  }

  async update(order: Order, expectedVersion: number, event: OrderEvent): Promise<void> {
    if (order.version !== expectedVersion + 1) {
      throw new Error(`order ${order.id}: the new version must be ${expectedVersion + 1}, got ${order.version}`);
    }
    // One autocommitted statement (data-modifying CTEs) instead of a transaction of five: each
    // round trip held a pooled connection for a turn of the event loop, which capped changes/s.
    // The order row is updated (and locked) before the outbox row is produced from it, so
    // changes of one order still append their events in commit order.
    // The position is not written: a state change never rolls back a position reported meanwhile.
    // A position waiting for its rate slot is released now, so it cannot hold this event back;
    // SKIP LOCKED: an entry a relay holds is being published already, and REST must never wait
    // on a relay (which may be waiting on Kafka).
    const [result] = await this.db.query<{ updated: number }>(
      `WITH updated AS (
         UPDATE orders SET status = $3, courier_id = $4, version = $5, updated_at = $6
          WHERE id = $1 AND version = $2 RETURNING id),
       released AS (
         UPDATE outbox SET available_at = now()
          WHERE EXISTS (SELECT 1 FROM updated)
            AND id IN (SELECT id FROM outbox
                        WHERE order_id = $1 AND sent_at IS NULL AND available_at > now()
                        FOR UPDATE SKIP LOCKED)
          RETURNING id),
       appended AS (
         -- created_at: the clock at the last moment before the commit, as close to it as SQL can say.
         INSERT INTO outbox (order_id, event_id, type, event, available_at, created_at, traceparent, tracestate)
         SELECT $1, $7, $8, $9, now(), clock_timestamp(), $11, $12 FROM updated
         RETURNING id)
       SELECT (SELECT count(*) FROM updated)::int AS updated,
              (SELECT count(*) FROM released)::int AS released,
              CASE WHEN EXISTS (SELECT 1 FROM appended) THEN pg_notify($10, '') END AS notified`,
      [
        order.id,
        expectedVersion,
        order.status,
        order.courierId,
        order.version,
        order.updatedAt,
        event.id,
        event.type,
        JSON.stringify(event),
        this.channel,
        ...traceColumns(),
      ],
    );
    if (result?.updated === 1) return;
    const [current] = await this.db.query<{ version: number }>('SELECT version FROM orders WHERE id = $1', [order.id]);
    if (!current) throw new OrderNotFound(order.id);
    throw new OrderVersionConflict(order.id, expectedVersion, current.version);
  }

  async recordPosition(report: PositionReport): Promise<PositionOutcome | null> {
    if (!UUID.test(report.orderId)) return null;
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<OrderRow>(
        `UPDATE orders SET position = $3
          WHERE id = $1 AND courier_id = $2 AND NOT (status = ANY($4::text[]))
          RETURNING ${ORDER_COLUMNS}`,
        [report.orderId, report.courierId, JSON.stringify(report.position), FINAL_STATUSES],
      );
      if (!row) return null;
      const order = toOrder(row);
      const event = report.event(order);

      const [last] = await tx.query<{ id: string; type: string }>(
        'SELECT id, type FROM outbox WHERE order_id = $1 AND sent_at IS NULL ORDER BY id DESC LIMIT 1',
        [order.id],
      );
      if (last?.type === event.type) {
        // Replace the waiting position, unless a relay holds it (then it is being published: queue anew).
        const replaced = await tx.query(
          // The trace too: the entry now stands for the latest report.
          `UPDATE outbox SET event = $2, event_id = $3, revision = revision + 1, traceparent = $4, tracestate = $5
            WHERE id = (SELECT id FROM outbox WHERE id = $1 AND sent_at IS NULL FOR UPDATE SKIP LOCKED)
            RETURNING id`,
          [last.id, JSON.stringify(event), event.id, ...traceColumns()],
        );
        if (replaced.length > 0) return { order, event: 'coalesced' };
      }
      // The next slot: now, or one interval after the previous position event, whichever is later.
      const [slot] = await tx.query<{ due: Date }>(
        `UPDATE orders
            SET position_event_due_at = greatest(now(), position_event_due_at + $2::float8 * interval '1 millisecond')
          WHERE id = $1 RETURNING position_event_due_at AS due`,
        [order.id, report.minEventIntervalMs],
      );
      await this.append(tx, order.id, event, slot?.due);
      return { order, event: 'queued' };
    });
  }

  async findById(id: string): Promise<Order | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
    return row ? toOrder(row) : null;
  }

  async list(owner: OrderOwner, page: OrderPage): Promise<Order[]> {
    const [column, value] = 'customerId' in owner ? ['customer_id', owner.customerId] : ['courier_id', owner.courierId];
    if (page.before !== undefined && !UUID.test(page.before)) return [];
    const rows = await this.db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders
        WHERE ${column} = $1 AND ($2::uuid IS NULL OR id < $2::uuid)
        ORDER BY id DESC LIMIT $3`,
      [value, page.before ?? null, page.limit],
    );
    return rows.map(toOrder);
  }

  async timeline(orderId: string): Promise<TimelineEntry[]> {
    if (!UUID.test(orderId)) return [];
    // Pruned rows live on in order_timeline; the rest are still in the outbox.
    const rows = await this.db.query<{ event: OrderEvent; sent_at: Date | null }>(
      `SELECT event, sent_at FROM (
         SELECT id, event, published_at AS sent_at FROM order_timeline WHERE order_id = $1
         UNION ALL
         SELECT id, event, sent_at FROM outbox WHERE order_id = $1) timeline
        ORDER BY id`,
      [orderId],
    );
    return rows.map((row) => ({ event: row.event, publishedAt: row.sent_at?.toISOString() ?? null }));
  }

  /** Appends the event to the order's log; the relays hear of it when the transaction commits. */
  private async append(tx: SqlExecutor, orderId: string, event: OrderEvent, availableAt?: Date): Promise<void> {
    await tx.query(
      // created_at: the clock at the last statement before the commit, as close to it as SQL can say.
      `INSERT INTO outbox (order_id, event_id, type, event, available_at, created_at, traceparent, tracestate)
       VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()), clock_timestamp(), $6, $7)`,
      [orderId, event.id, event.type, JSON.stringify(event), availableAt ?? null, ...traceColumns()],
    );
    await tx.query('SELECT pg_notify($1, $2)', [this.channel, '']);
  }
}
