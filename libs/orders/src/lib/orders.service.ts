import { Inject, Injectable } from '@nestjs/common';
import { OrderAccess, OrderStatus, Principal, Role } from '@shopnest/contracts';
import { acceptsPositionFrom, assignCourier, Order, placeOrder, Position, transition } from './order';
import {
  orderCourierAssignedEvent,
  orderCreatedEvent,
  orderLocationUpdatedEvent,
  orderStatusChangedEvent,
} from './order-events.factory';
import { OrderAccessDenied, OrderInputInvalid, OrderNotFound, OrderVersionConflict } from './order.errors';
import { OrderRepository, PositionOutcome, TimelineEntry } from './order.repository.port';

export interface CreateOrderInput {
  itemsSummary: string;
  totalCents: number;
  /** Only a `service` caller may name the customer; a customer always orders for themselves. */
  customerId?: string;
}

/** A courier's report, as received; order-tracking stamps the time. */
export type PositionInput = Omit<Position, 'at'>;

/** Tuning of the order use cases. */
export interface OrdersServiceOptions {
  /** At most this many `order.location_updated` per order per second (the rest are coalesced). */
  locationEventsPerSecond: number;
}

/** DI token of {@link OrdersServiceOptions}. */
export const ORDERS_SERVICE_OPTIONS = Symbol('ORDERS_SERVICE_OPTIONS');

/** Who may read an order: its customer, its courier, and these roles for every order. */
const SEES_EVERY_ORDER: readonly Role[] = ['ops', 'agent', 'service'];
const CHANGES_STATUS: readonly Role[] = ['ops', 'service'];
const ASSIGNS_COURIERS: readonly Role[] = ['ops', 'service'];

const hasAnyRole = (principal: Principal, roles: readonly Role[]) =>
  principal.roles.some((role) => roles.includes(role));

/**
 * Order use cases: check the change against the caller and the state machine, then store the
 * change together with its event (the repository's transaction; the outbox relay publishes it).
 * Knows storage only through the {@link OrderRepository} port.
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly orders: OrderRepository,
    @Inject(ORDERS_SERVICE_OPTIONS) private readonly options: OrdersServiceOptions,
  ) {}

  async createOrder(principal: Principal, input: CreateOrderInput): Promise<Order> {
    const now = new Date();
    const order = placeOrder(
      {
        customerId: this.customerFor(principal, input.customerId),
        itemsSummary: input.itemsSummary,
        totalCents: input.totalCents,
      },
      now,
    );
    await this.orders.create(order, orderCreatedEvent(order, now));
    return order;
  }

  /** @throws OrderNotFound also when the order exists but the caller may not see it. */
  async getOrder(principal: Principal, id: string): Promise<Order> {
    const order = await this.orders.findById(id);
    if (!order || !this.canSee(principal, order)) throw new OrderNotFound(id);
    return order;
  }

  /** The caller's own orders, newest first: a customer's orders, or the ones a courier carries. */
  async listMine(principal: Principal, page: { limit: number; before?: string }): Promise<Order[]> {
    if (principal.roles.includes('customer')) return this.orders.list({ customerId: principal.userId }, page);
    if (principal.roles.includes('courier')) return this.orders.list({ courierId: principal.userId }, page);
    throw new OrderAccessDenied('only customers and couriers have orders of their own');
  }

  /** Every event of the order, oldest first, for whoever may see the order. */
  async timeline(principal: Principal, id: string): Promise<TimelineEntry[]> {
    await this.getOrder(principal, id);
    return this.orders.timeline(id);
  }

  /**
   * Moves the order to `to`.
   *
   * @param expectedVersion when given, the change applies only to that version of the order
   * @throws OrderNotFound, OrderVersionConflict, TransitionRefused, OrderAccessDenied
   */
  async changeStatus(principal: Principal, id: string, to: OrderStatus, expectedVersion?: number): Promise<Order> {
    if (!hasAnyRole(principal, CHANGES_STATUS)) {
      throw new OrderAccessDenied(`changing an order's status requires one of the roles: ${CHANGES_STATUS.join(', ')}`);
    }
    const current = await this.current(id, expectedVersion);
    const now = new Date();
    const next = transition(current, to, now);
    await this.orders.update(next, current.version, orderStatusChangedEvent(next, current.status, now));
    return next;
  }

  /**
   * Gives the order to `courierId` (first assignment or a change of courier).
   *
   * @throws OrderNotFound, OrderVersionConflict, OrderChangeRefused, OrderAccessDenied
   */
  async assignCourier(principal: Principal, id: string, courierId: string, expectedVersion?: number): Promise<Order> {
    if (!hasAnyRole(principal, ASSIGNS_COURIERS)) {
      throw new OrderAccessDenied(`assigning a courier requires one of the roles: ${ASSIGNS_COURIERS.join(', ')}`);
    }
    const current = await this.current(id, expectedVersion);
    const now = new Date();
    const next = assignCourier(current, courierId, now);
    await this.orders.update(next, current.version, orderCourierAssignedEvent(next, now));
    return next;
  }

  /**
   * Records the calling courier's position for the order. Every report updates the order; the
   * events are coalesced to `locationEventsPerSecond` per order.
   *
   * @throws OrderNotFound when the caller is not the order's courier; OrderChangeRefused when it is final
   */
  async recordPosition(principal: Principal, id: string, input: PositionInput): Promise<PositionOutcome> {
    if (!principal.roles.includes('courier')) throw new OrderAccessDenied('only couriers report positions');
    const now = new Date();
    const position: Position = { ...input, at: now.toISOString() };
    const report = {
      orderId: id,
      courierId: principal.userId,
      position,
      event: (order: Order) => orderLocationUpdatedEvent(order, principal.userId, position, now),
      minEventIntervalMs: 1000 / this.options.locationEventsPerSecond,
    };
    // Refused: say why, from the order as it is now; if it changed to allow the report meanwhile
    // (a courier assigned between the two reads), try once more.
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await this.orders.recordPosition(report);
      if (outcome) return outcome;
      const order = await this.orders.findById(id);
      if (!order || !acceptsPositionFrom(order, principal.userId)) break;
    }
    throw new OrderNotFound(id);
  }

  /** Who may follow the order's channel; for the edge, over an internal, service-only route. */
  async accessOf(id: string): Promise<OrderAccess & { orderId: string }> {
    const order = await this.orders.findById(id);
    if (!order) throw new OrderNotFound(id);
    return { orderId: order.id, customerId: order.customerId, courierId: order.courierId };
  }

  /** {@link accessOf} for many ids at once, in one read: unknown ids map to `null`. */
  async accessOfMany(ids: readonly string[]): Promise<Record<string, OrderAccess | null>> {
    const found = new Map((await this.orders.findByIds(ids)).map((order) => [order.id, order]));
    return Object.fromEntries(
      ids.map((id) => {
        const order = found.get(id);
        return [id, order ? { customerId: order.customerId, courierId: order.courierId } : null];
      }),
    );
  }

  private async current(id: string, expectedVersion: number | undefined): Promise<Order> {
    const current = await this.orders.findById(id);
    if (!current) throw new OrderNotFound(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw new OrderVersionConflict(id, expectedVersion, current.version);
    }
    return current;
  }

  private canSee(principal: Principal, order: Order): boolean {
    return (
      hasAnyRole(principal, SEES_EVERY_ORDER) ||
      (principal.roles.includes('customer') && order.customerId === principal.userId) ||
      (principal.roles.includes('courier') && order.courierId === principal.userId)
    );
  }

  private customerFor(principal: Principal, requested: string | undefined): string {
    if (requested === undefined) {
      if (principal.roles.includes('customer')) return principal.userId;
      throw new OrderInputInvalid('customerId: required when a service creates an order');
    }
    if (principal.roles.includes('service') || requested === principal.userId) return requested;
    throw new OrderAccessDenied('a customer can create orders only for themselves');
  }
}
