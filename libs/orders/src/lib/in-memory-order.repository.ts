import { Injectable } from '@nestjs/common';
import { Order } from './order';
import { OrderNotFound, OrderVersionConflict } from './order.errors';
import { OrderRepository } from './order.repository.port';

/**
 * Orders in a Map, for unit tests and the one-process mode. Orders are immutable values, so
 * storing and returning the same object cannot leak a mutation between callers.
 */
@Injectable()
export class InMemoryOrderRepository extends OrderRepository {
  private readonly orders = new Map<string, Order>();

  async create(order: Order): Promise<void> {
    if (this.orders.has(order.id)) throw new Error(`order ${order.id} already exists`);
    this.orders.set(order.id, Object.freeze({ ...order }));
  }

  async findById(id: string): Promise<Order | null> {
    return this.orders.get(id) ?? null;
  }

  async update(order: Order, expectedVersion: number): Promise<void> {
    const stored = this.orders.get(order.id);
    if (!stored) throw new OrderNotFound(order.id);
    if (stored.version !== expectedVersion) {
      throw new OrderVersionConflict(order.id, expectedVersion, stored.version);
    }
    if (order.version !== expectedVersion + 1) {
      throw new Error(`order ${order.id}: the new version must be ${expectedVersion + 1}, got ${order.version}`);
    }
    this.orders.set(order.id, Object.freeze({ ...order }));
  }
}
