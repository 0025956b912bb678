import { Injectable } from '@nestjs/common';
import { OrderAccess, ORDERS_TOPIC, OrderEvent, OrderStatus, Principal, Role } from '@shopnest/contracts';
import { EventBus } from '@shopnest/platform-event-bus';
import { Order, placeOrder, transition } from './order';
import { orderCreatedEvent, orderStatusChangedEvent } from './order-events.factory';
import { OrderAccessDenied, OrderInputInvalid, OrderNotFound, OrderVersionConflict } from './order.errors';
import { OrderRepository } from './order.repository.port';

export interface CreateOrderInput {
  itemsSummary: string;
  totalCents: number;
  /** Only a `service` caller may name the customer; a customer always orders for themselves. */
  customerId?: string;
}

/** Who may read an order: its customer, and these roles for every order. */
const SEES_EVERY_ORDER: readonly Role[] = ['ops', 'agent', 'service'];
const CHANGES_STATUS: readonly Role[] = ['ops', 'service'];

const hasAnyRole = (principal: Principal, roles: readonly Role[]) =>
  principal.roles.some((role) => roles.includes(role));

/**
 * Order use cases: validate the change against the state machine, persist it, emit its event.
 * Knows the repository and the bus only through their ports.
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly bus: EventBus,
  ) {}

  async createOrder(principal: Principal, input: CreateOrderInput): Promise<Order> {
    const now = new Date();
    const order = placeOrder(
      { customerId: this.customerFor(principal, input.customerId), itemsSummary: input.itemsSummary, totalCents: input.totalCents },
      now,
    );
    await this.orders.create(order);
    await this.publish(orderCreatedEvent(order, now));
    return order;
  }

  /** @throws OrderNotFound also when the order exists but the caller may not see it. */
  async getOrder(principal: Principal, id: string): Promise<Order> {
    const order = await this.orders.findById(id);
    const visible =
      order &&
      (hasAnyRole(principal, SEES_EVERY_ORDER) ||
        (principal.roles.includes('customer') && order.customerId === principal.userId));
    if (!visible) throw new OrderNotFound(id);
    return order;
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
    const current = await this.orders.findById(id);
    if (!current) throw new OrderNotFound(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw new OrderVersionConflict(id, expectedVersion, current.version);
    }
    const now = new Date();
    const next = transition(current, to, now);
    await this.orders.update(next, current.version);
    await this.publish(orderStatusChangedEvent(next, current.status, now));
    return next;
  }

  /** Who may follow the order's channel; for the edge, over an internal, service-only route. */
  async accessOf(id: string): Promise<OrderAccess & { orderId: string }> {
    const order = await this.orders.findById(id);
    if (!order) throw new OrderNotFound(id);
    return { orderId: order.id, customerId: order.customerId, courierId: order.courierId };
  }

  private customerFor(principal: Principal, requested: string | undefined): string {
    if (requested === undefined) {
      if (principal.roles.includes('customer')) return principal.userId;
      throw new OrderInputInvalid('customerId: required when a service creates an order');
    }
    if (principal.roles.includes('service') || requested === principal.userId) return requested;
    throw new OrderAccessDenied('a customer can create orders only for themselves');
  }

  /**
   * Publishes after the save, so a crash or a bus failure in between loses the event while the
   * change stays: the transactional outbox of issue 4 closes that gap. A failure here rejects,
   * so the caller at least learns that the event did not go out.
   */
  private async publish(event: OrderEvent): Promise<void> {
    await this.bus.publish(ORDERS_TOPIC, [{ key: event.subject, event }]);
  }
}
