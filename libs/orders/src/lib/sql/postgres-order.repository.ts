import { OrderEvent } from '@shopnest/contracts';
import { FINAL_STATUSES, Order } from '../order';
import { OrderNotFound, OrderVersionConflict } from '../order.errors';
import {
  OrderOwner,
  OrderPage,
  OrderRepository,
  PositionOutcome,
  PositionReport,
  TimelineEntry,
} from '../order.repository.port';
import { SqlDatabase } from '@shopnest/platform-sql';
import { outboxNotifyChannel } from '@shopnest/platform-outbox';
import { currentTraceContext } from '@shopnest/platform-tracing';
import { ORDERS_OUTBOX } from './orders-outbox';
import {
  CHANGE_ORDER,
  changeOrderParams,
  CREATE_ORDER,
  createOrderParams,
  ORDER_COLUMNS,
  OrderRow,
  toOrder,
  TraceColumns,
} from './order-sql';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UNIQUE_VIOLATION = '23505';

/** The caller's trace context for the outbox row's `traceparent`, `tracestate` (NULL with tracing off). */
function traceColumns(): TraceColumns {
  const trace = currentTraceContext();
  return [trace?.traceparent ?? null, trace?.tracestate ?? null];
}

/**
 * {@link OrderRepository} in SQL on a {@link SqlDatabase}: the PostgreSQL server (production) or
 * PGlite (one-process mode), same statements. Each change writes the order row first (which locks
 * it, so changes of one order append their events in commit order) and then its outbox row,
 * atomically: creation and status changes in one statement each, a position in a transaction of
 * two. Fewer round trips, because each one holds a pooled connection for a turn of the event loop.
 * Once a change that appended an event committed, it wakes the relays (`SqlDatabase.notify`).
 */
export class PostgresOrderRepository extends OrderRepository {
  private readonly channel: string;

  constructor(private readonly db: SqlDatabase) {
    super();
    this.channel = outboxNotifyChannel(ORDERS_OUTBOX, db.schema);
  }

  async create(order: Order, event: OrderEvent): Promise<void> {
    await this.db.query(CREATE_ORDER, createOrderParams(order, event, traceColumns())).catch((error: unknown) => {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new Error(`order ${order.id} already exists`);
      throw error;
    });
    this.db.notify(this.channel);
  }

  async update(order: Order, expectedVersion: number, event: OrderEvent): Promise<void> {
    if (order.version !== expectedVersion + 1) {
      throw new Error(`order ${order.id}: the new version must be ${expectedVersion + 1}, got ${order.version}`);
    }
    const [result] = await this.db.query<{ updated: number }>(
      CHANGE_ORDER,
      changeOrderParams(order, expectedVersion, event, traceColumns()),
    );
    if (result?.updated === 1) return this.db.notify(this.channel);
    const [current] = await this.db.query<{ version: number }>('SELECT version FROM orders WHERE id = $1', [order.id]);
    if (!current) throw new OrderNotFound(order.id);
    throw new OrderVersionConflict(order.id, expectedVersion, current.version);
  }

  async recordPosition(report: PositionReport): Promise<PositionOutcome | null> {
    if (!UUID.test(report.orderId)) return null;
    const outcome = await this.db.transaction(async (tx) => {
      const [row] = await tx.query<OrderRow>(
        `UPDATE orders SET position = $3
          WHERE id = $1 AND courier_id = $2 AND NOT (status = ANY($4::text[]))
          RETURNING ${ORDER_COLUMNS}`,
        [report.orderId, report.courierId, JSON.stringify(report.position), FINAL_STATUSES],
      );
      if (!row) return null;
      const order = toOrder(row);
      const event = report.event(order);

      // The rest is one statement (one round trip instead of up to five): replace the waiting
      // position, unless a relay holds it (then it is being published: queue anew); otherwise take
      // the next slot (now, or one interval after the previous position event, whichever is later)
      // and append the event due then.
      const [outcome] = await tx.query<{ coalesced: boolean }>(
        `WITH last AS (
           SELECT id, type FROM outbox WHERE order_id = $1 AND sent_at IS NULL ORDER BY id DESC LIMIT 1),
         replaced AS (
           -- The trace too: the entry now stands for the latest report.
           UPDATE outbox SET event = $2, event_id = $3, revision = revision + 1, traceparent = $4, tracestate = $5
            WHERE id = (SELECT id FROM outbox
                         WHERE id = (SELECT id FROM last WHERE type = $6) AND sent_at IS NULL
                         FOR UPDATE SKIP LOCKED)
            RETURNING id),
         slot AS (
           UPDATE orders
              SET position_event_due_at = greatest(now(), position_event_due_at + $7::float8 * interval '1 millisecond')
            WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM replaced)
            RETURNING position_event_due_at AS due),
         appended AS (
           -- created_at: the clock at the last moment before the commit, as close to it as SQL can say.
           INSERT INTO outbox (order_id, event_id, type, event, available_at, created_at, traceparent, tracestate)
           SELECT $1, $3, $6, $2, due, clock_timestamp(), $4, $5 FROM slot
           RETURNING id)
         SELECT EXISTS (SELECT 1 FROM replaced) AS coalesced`,
        [order.id, JSON.stringify(event), event.id, ...traceColumns(), event.type, report.minEventIntervalMs],
      );
      return { order, event: outcome?.coalesced ? 'coalesced' : 'queued' } as const;
    });
    // A queued event may be due only later: the relay's due timer takes it from there.
    if (outcome?.event === 'queued') this.db.notify(this.channel);
    return outcome;
  }

  async findById(id: string): Promise<Order | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
    return row ? toOrder(row) : null;
  }

  async findByIds(ids: readonly string[]): Promise<Order[]> {
    // Non-UUIDs cannot exist, and would make the uuid[] cast fail for the whole batch.
    const valid = [...new Set(ids.filter((id) => UUID.test(id)))];
    if (valid.length === 0) return [];
    const rows = await this.db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ANY($1::uuid[])`, [
      valid,
    ]);
    return rows.map(toOrder);
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
}
