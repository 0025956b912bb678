import { OrderAccess } from '@shopnest/contracts';
import { OrderAccessLookup } from './order-access.port';

/** Order access held in a Map: for unit tests and one-process mode, where it is fed directly. */
export class InMemoryOrderAccessLookup extends OrderAccessLookup {
  private readonly orders = new Map<string, OrderAccess>();

  constructor(initial: Record<string, OrderAccess> = {}) {
    super();
    for (const [orderId, access] of Object.entries(initial)) this.set(orderId, access);
  }

  set(orderId: string, access: OrderAccess): void {
    this.orders.set(orderId, { ...access });
  }

  delete(orderId: string): void {
    this.orders.delete(orderId);
  }

  async find(orderId: string): Promise<OrderAccess | null> {
    const access = this.orders.get(orderId);
    return access ? { ...access } : null;
  }
}
