import { InMemoryOrderRepository } from './in-memory-order.repository';
import { placeOrder, transition } from './order';
import { OrderNotFound, OrderVersionConflict } from './order.errors';

describe('InMemoryOrderRepository', () => {
  const newOrder = () => placeOrder({ customerId: 'u-1', itemsSummary: '1 × tea', totalCents: 450 });

  it('finds what it created, and null for an unknown id', async () => {
    const repository = new InMemoryOrderRepository();
    const order = newOrder();
    await repository.create(order);
    await expect(repository.findById(order.id)).resolves.toEqual(order);
    await expect(repository.findById('nope')).resolves.toBeNull();
    await expect(repository.create(order)).rejects.toThrow(/already exists/);
  });

  it('updates only from the expected version: of two writers from the same read, one wins', async () => {
    const repository = new InMemoryOrderRepository();
    const order = newOrder();
    await repository.create(order);
    await repository.update(transition(order, 'confirmed'), 1);
    await expect(repository.update(transition(order, 'cancelled'), 1)).rejects.toBeInstanceOf(OrderVersionConflict);
    await expect(repository.findById(order.id)).resolves.toMatchObject({ status: 'confirmed', version: 2 });
  });

  it('refuses to update an unknown order', async () => {
    await expect(new InMemoryOrderRepository().update(transition(newOrder(), 'confirmed'), 1)).rejects.toBeInstanceOf(
      OrderNotFound,
    );
  });
});
