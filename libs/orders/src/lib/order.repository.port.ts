import { OrderEvent, OrderEventOf } from '@shopnest/contracts';
import { Order, Position } from './order';

/** Whose orders to list: a customer's, or those a courier carries. */
export type OrderOwner = { customerId: string } | { courierId: string };

export interface OrderPage {
  /** At most this many, newest first. */
  limit: number;
  /** Only orders created before this one (its id; ids are UUIDv7, so they sort by creation). */
  before?: string;
}

/** One event of an order's log, with when the relay handed it to the bus (null while pending). */
export interface TimelineEntry {
  event: OrderEvent;
  publishedAt: string | null;
}

/** A courier's position report, with how often it may become an event. */
export interface PositionReport {
  orderId: string;
  courierId: string;
  position: Position;
  /** Builds the event from the order as stored, so its `sequence` is the order's current version. */
  event: (order: Order) => OrderEventOf<'order.location_updated'>;
  /** At most one `order.location_updated` per order per this many ms. */
  minEventIntervalMs: number;
}

/**
 * What happened to a position report's event: `queued` as a new outbox entry (due at once or
 * when the rate allows), or `coalesced` into the entry still waiting, which now carries this
 * (the latest) position.
 */
export type PositionOutcome = { order: Order; event: 'queued' | 'coalesced' };

/**
 * Where orders and their events are kept: the order's row and its event log (the outbox the
 * relay publishes from) change together. The service sees only this port; the adapter (Postgres,
 * PGlite, in memory) is chosen when the module is wired.
 *
 * Guarantees:
 * - Every change is atomic with its event: `create` and `update` store the order and append
 *   `event` to the order's log in one transaction, or store neither. A committed change never
 *   loses its event; a refused one never emits one.
 * - `create` rejects if the id exists. `update` is a compare-and-set on `version`: it applies only
 *   when the stored version is still `expectedVersion` (else {@link OrderVersionConflict}, nothing
 *   stored), and `order.version` must be `expectedVersion + 1`; an unknown id rejects with
 *   {@link OrderNotFound}.
 * - Events of one order are appended, and later published, in the order of their changes.
 * - `recordPosition` always stores the position (when the courier is the order's courier and the
 *   order is not final; otherwise it stores nothing and resolves `null`) but appends at most one
 *   `order.location_updated` per `minEventIntervalMs`: a report arriving sooner replaces the
 *   position of the entry still waiting, so the latest position is always published, late by at
 *   most the interval. A state change (`update`) releases a waiting position at once, so events
 *   stay in order.
 * - Reads return stored values that no other call can mutate.
 *
 * @example
 * const order = await repository.findById(id);
 * const next = transition(order, 'confirmed');
 * await repository.update(next, order.version, orderStatusChangedEvent(next, order.status));
 */
export abstract class OrderRepository {
  abstract create(order: Order, event: OrderEvent): Promise<void>;
  abstract update(order: Order, expectedVersion: number, event: OrderEvent): Promise<void>;
  abstract recordPosition(report: PositionReport): Promise<PositionOutcome | null>;
  abstract findById(id: string): Promise<Order | null>;
  /** The orders among `ids` that exist, in any order; unknown ids (UUIDs or not) are left out. */
  abstract findByIds(ids: readonly string[]): Promise<Order[]>;
  abstract list(owner: OrderOwner, page: OrderPage): Promise<Order[]>;
  /** Every event of the order, oldest first (positions as coalesced); empty for an unknown order. */
  abstract timeline(orderId: string): Promise<TimelineEntry[]>;
}
