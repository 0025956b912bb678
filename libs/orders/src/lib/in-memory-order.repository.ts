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
import { Outbox, OutboxBacklog, OutboxEntry } from './outbox/outbox.port';

interface Row {
  id: number;
  orderId: string;
  event: OrderEvent;
  createdAt: number;
  availableAt: number;
  /** Bumped when a waiting position is replaced, so a publish of the old one does not mark the new one. */
  revision: number;
  sentAt: number | null;
  claimed: boolean;
}

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
  private readonly rows: Row[] = [];
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  readonly outbox: Outbox = new InMemoryOutbox(this.rows, this.listeners);

  async create(order: Order, event: OrderEvent): Promise<void> {
    if (this.orders.has(order.id)) throw new Error(`order ${order.id} already exists`);
    this.orders.set(order.id, Object.freeze({ ...order }));
    this.append(order.id, event, Date.now());
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
    const now = Date.now();
    for (const row of this.rows) {
      if (row.orderId === order.id && row.sentAt === null && !row.claimed && row.availableAt > now)
        row.availableAt = now;
    }
    this.append(order.id, event, now);
  }

  async recordPosition(report: PositionReport): Promise<PositionOutcome | null> {
    const stored = this.orders.get(report.orderId);
    if (!stored || stored.courierId !== report.courierId || isFinal(stored.status)) return null;
    const order: Order = Object.freeze({ ...stored, position: report.position });
    this.orders.set(order.id, order);
    const event = report.event(order);
    const last = this.lastPending(order.id);
    if (last && last.event.type === event.type && !last.claimed) {
      last.event = event;
      last.revision += 1;
      return { order, event: 'coalesced' };
    }
    const now = Date.now();
    const due = Math.max(now, (this.positionSlots.get(order.id) ?? -Infinity) + report.minEventIntervalMs);
    this.positionSlots.set(order.id, due);
    this.append(order.id, event, due);
    return { order, event: 'queued' };
  }

  async findById(id: string): Promise<Order | null> {
    return this.orders.get(id) ?? null;
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
    return this.rows
      .filter((row) => row.orderId === orderId)
      .map((row) => ({
        event: row.event,
        publishedAt: row.sentAt === null ? null : new Date(row.sentAt).toISOString(),
      }));
  }

  private lastPending(orderId: string): Row | undefined {
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i] as Row;
      if (row.orderId === orderId && row.sentAt === null) return row;
    }
    return undefined;
  }

  private append(orderId: string, event: OrderEvent, availableAt: number): void {
    const createdAt = Date.now();
    this.rows.push({
      id: this.nextId++,
      orderId,
      event,
      createdAt,
      availableAt,
      revision: 0,
      sentAt: null,
      claimed: false,
    });
    // As a commit would: listeners run after the change is visible, never inside it.
    queueMicrotask(() => this.listeners.forEach((listener) => listener()));
  }
}

/** The outbox side of {@link InMemoryOrderRepository}; one relay per process. */
class InMemoryOutbox extends Outbox {
  constructor(
    private readonly rows: Row[],
    private readonly listeners: Set<() => void>,
  ) {
    super();
  }

  async relay(limit: number, publish: (entries: OutboxEntry[]) => Promise<void>): Promise<number> {
    const now = Date.now();
    const blocked = new Set<string>();
    const claimed: { row: Row; revision: number }[] = [];
    for (const row of this.rows) {
      if (claimed.length >= limit) break;
      if (row.sentAt !== null || blocked.has(row.orderId)) continue;
      if (row.claimed || row.availableAt > now) {
        // Nothing of this order may overtake an entry that is not due or is being published.
        blocked.add(row.orderId);
        continue;
      }
      claimed.push({ row, revision: row.revision });
    }
    if (claimed.length === 0) return 0;
    claimed.forEach(({ row }) => (row.claimed = true));
    try {
      await publish(
        claimed.map(({ row }) => ({
          id: row.id,
          orderId: row.orderId,
          event: row.event,
          createdAt: new Date(row.createdAt),
        })),
      );
      const sentAt = Date.now();
      for (const { row, revision } of claimed) if (row.revision === revision) row.sentAt = sentAt;
      return claimed.length;
    } finally {
      claimed.forEach(({ row }) => (row.claimed = false));
    }
  }

  async backlog(): Promise<OutboxBacklog> {
    const now = Date.now();
    const pending = this.rows.filter((row) => row.sentAt === null);
    const waiting = pending.filter((row) => row.availableAt > now).map((row) => row.availableAt - now);
    return {
      pending: pending.length,
      oldestAgeMs: pending.length ? now - Math.min(...pending.map((row) => row.createdAt)) : null,
      nextDueInMs: waiting.length ? Math.min(...waiting) : null,
    };
  }

  async watch(listener: () => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }
}
