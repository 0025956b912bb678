import { Injectable } from '@nestjs/common';
import { OrderEvent } from '@shopnest/contracts';
import { isFinal, Order } from './order';
import { OrderNotFound, OrderVersionConflict } from './order.errors';
import {
  OrderOwner,
  OrderPage,
  OrderRepository,
  PositionOutcome,
  PositionReport,
  TimelineEntry,
} from './order.repository.port';
import { InMemoryOutbox } from '@shopnest/platform-outbox';

/**
 * Orders and their event log in memory, for unit tests: the same guarantees as the SQL store
 * (see the shared contract suite), in one process. Orders are immutable values, so storing and
 * returning the same object cannot leak a mutation between callers. `outbox` is its
 * {@link Outbox}.
 */
@Injectable()
export class InMemoryOrderRepository extends OrderRepository {
  private readonly orders = new Map<string, Order>();
  /** When the last position event of each order was (or will be) due: the rate gate. */
  private readonly positionSlots = new Map<string, number>();
  /** What pruning moved out of the outbox, per order (positions excepted), as `order_timeline` holds it. */
  private readonly archived = new Map<string, TimelineEntry[]>();
  readonly outbox = new InMemoryOutbox((entry) => {
    if (entry.event.type === 'order.location_updated') return;
    const kept = { event: entry.event as OrderEvent, publishedAt: new Date(entry.sentAt as number).toISOString() };
    this.archived.set(entry.key, [...(this.archived.get(entry.key) ?? []), kept]);
  });

  async create(order: Order, event: OrderEvent): Promise<void> {
    if (this.orders.has(order.id)) throw new Error(`order ${order.id} already exists`);
    this.orders.set(order.id, Object.freeze({ ...order }));
    this.outbox.append(order.id, event);
  }

  async update(order: Order, expectedVersion: number, event: OrderEvent): Promise<void> {
    const stored = this.orders.get(order.id);
    if (!stored) throw new OrderNotFound(order.id);
    if (stored.version !== expectedVersion) {
      throw new OrderVersionConflict(order.id, expectedVersion, stored.version);
    }
    if (order.version !== expectedVersion + 1) {
      throw new Error(`order ${order.id}: the new version must be ${expectedVersion + 1}, got ${order.version}`);
    }
    // The position is telemetry kept beside the state: a state change never rolls it back.
    this.orders.set(order.id, Object.freeze({ ...order, position: stored.position }));
    this.outbox.releaseWaiting(order.id);
    this.outbox.append(order.id, event);
  }

  async recordPosition(report: PositionReport): Promise<PositionOutcome | null> {
    const stored = this.orders.get(report.orderId);
    if (!stored || stored.courierId !== report.courierId || isFinal(stored.status)) return null;
    const order: Order = Object.freeze({ ...stored, position: report.position });
    this.orders.set(order.id, order);
    const event = report.event(order);
    if (this.outbox.replaceLastPending(order.id, event, (pending) => pending.type === event.type)) {
      return { order, event: 'coalesced' };
    }
    const now = Date.now();
    const due = Math.max(now, (this.positionSlots.get(order.id) ?? -Infinity) + report.minEventIntervalMs);
    this.positionSlots.set(order.id, due);
    this.outbox.append(order.id, event, due);
    return { order, event: 'queued' };
  }

  async findById(id: string): Promise<Order | null> {
    return this.orders.get(id) ?? null;
  }

  async findByIds(ids: readonly string[]): Promise<Order[]> {
    return [...new Set(ids)].flatMap((id) => this.orders.get(id) ?? []);
  }

  async list(owner: OrderOwner, page: OrderPage): Promise<Order[]> {
    const matches = (order: Order) =>
      'customerId' in owner ? order.customerId === owner.customerId : order.courierId === owner.courierId;
    return [...this.orders.values()]
      .filter((order) => matches(order) && (page.before === undefined || order.id < page.before))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, page.limit);
  }

  async timeline(orderId: string): Promise<TimelineEntry[]> {
    const live = this.outbox.entries(orderId).map((entry) => ({
      event: entry.event as OrderEvent,
      publishedAt: entry.sentAt === null ? null : new Date(entry.sentAt).toISOString(),
    }));
    return [...(this.archived.get(orderId) ?? []), ...live];
  }
}
