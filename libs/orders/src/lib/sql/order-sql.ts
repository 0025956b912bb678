import type { OrderEvent, OrderStatus } from '@shopnest/contracts';
import type { Order, Position } from '../order';

// The order's writes as single statements, with their parameters. Their own module (type imports
// only) so the benchmark's bare Fastify + pg baseline (tools/bench/lib/bare-orders-server.mjs)
// loads the very same statements from the build.

export interface OrderRow {
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

export const ORDER_COLUMNS =
  'id, customer_id, items_summary, total_cents, status, courier_id, position, version, created_at, updated_at';

export const toOrder = (row: OrderRow): Order => ({
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

/** `traceparent`, `tracestate` of the outbox row (NULL with tracing off). */
export type TraceColumns = [string | null, string | null];

/**
 * A new order and its outbox row in one autocommitted statement (the foreign key is checked at the
 * end of the statement, when both rows exist). Fails with a unique violation (23505) when the id
 * exists. Like every write here it does not notify: the writer wakes the relays once it committed
 * (`SqlDatabase.notify`), since a notifying statement would commit one at a time with every other.
 */
export const CREATE_ORDER = `WITH created AS (
    INSERT INTO orders (${ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id)
  INSERT INTO outbox (order_id, event_id, type, event, available_at, created_at, traceparent, tracestate)
  SELECT id, $11, $12, $13, now(), clock_timestamp(), $14, $15 FROM created`;

/** Both statements take the event's parameters last, in this order. */
const eventParams = (event: OrderEvent, trace: TraceColumns) => [event.id, event.type, JSON.stringify(event), ...trace];

export const createOrderParams = (order: Order, event: OrderEvent, trace: TraceColumns) => [
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
  ...eventParams(event, trace),
];

/**
 * A change of the order (compare-and-set on its version) with its event, in one autocommitted
 * statement (data-modifying CTEs) instead of a transaction of five: each round trip held a pooled
 * connection for a turn of the event loop, which capped changes/s. Answers `updated` 1, or 0 when
 * the version moved on or the order is unknown (nothing written).
 * The order row is updated (and locked) before the outbox row is produced from it, so changes of
 * one order still append their events in commit order. The position is not written: a state
 * change never rolls back a position reported meanwhile. A position waiting for its rate slot is
 * released now, so it cannot hold this event back; SKIP LOCKED: an entry a relay holds is being
 * published already, and REST must never wait on a relay (which may be waiting on Kafka).
 */
export const CHANGE_ORDER = `WITH updated AS (
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
    SELECT $1, $7, $8, $9, now(), clock_timestamp(), $10, $11 FROM updated
    RETURNING id)
  SELECT (SELECT count(*) FROM updated)::int AS updated,
         (SELECT count(*) FROM released)::int AS released,
         (SELECT count(*) FROM appended)::int AS appended`;

export const changeOrderParams = (order: Order, expectedVersion: number, event: OrderEvent, trace: TraceColumns) => [
  order.id,
  expectedVersion,
  order.status,
  order.courierId,
  order.version,
  order.updatedAt,
  ...eventParams(event, trace),
];
