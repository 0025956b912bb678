import { Order } from './order';

/**
 * Where orders are kept. The service sees only this port; the adapter (in memory now, Postgres
 * with a transactional outbox in issue 4) is chosen when the module is wired.
 *
 * Guarantees:
 * - `create` stores a new order, or rejects if its id already exists; nothing is half-written.
 * - `findById` returns the last stored version, or `null`; never an order another call can mutate.
 * - `update` is a compare-and-set on `version`: it stores `order` only when the stored version is
 *   still `expectedVersion`, and otherwise rejects with {@link OrderVersionConflict} and stores
 *   nothing, so two concurrent writers never both win. `order.version` must be
 *   `expectedVersion + 1`. An unknown id rejects with {@link OrderNotFound}.
 *
 * @example
 * const order = await repository.findById(id);
 * await repository.update(transition(order, 'confirmed'), order.version);
 */
export abstract class OrderRepository {
  abstract create(order: Order): Promise<void>;
  abstract findById(id: string): Promise<Order | null>;
  abstract update(order: Order, expectedVersion: number): Promise<void>;
}
