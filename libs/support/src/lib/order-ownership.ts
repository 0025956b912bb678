import { OrderAccess, orderAccessEndpoint } from '@shopnest/contracts';
import { AccessLookupUnavailable, HttpAccessLookup, HttpAccessOptions } from '@shopnest/platform-http';

/**
 * Answers who owns an order, so a customer can open a ticket only about their own orders.
 *
 * Guarantees: `null` means no such order; any other failure (order-tracking down, a timeout, a
 * bad answer) rejects, so an outage is never mistaken for "not yours".
 *
 * @example
 * await ownership.customerOf('0193...') // 'user-42' | null
 */
export abstract class OrderOwnership {
  abstract customerOf(orderId: string): Promise<string | null>;
}

/** Raised when order-tracking cannot answer; never means "not yours". */
export class OrderOwnershipUnavailable extends Error {
  override readonly name = 'OrderOwnershipUnavailable';
}

/**
 * Asks order-tracking's internal access endpoint through the platform's internal-access client
 * (a `service` token, a timeout, a short cache, one request in flight per order).
 */
export class HttpOrderOwnership extends OrderOwnership {
  private readonly orders: HttpAccessLookup<OrderAccess>;

  constructor(options: HttpAccessOptions) {
    super();
    this.orders = new HttpAccessLookup(orderAccessEndpoint, options);
  }

  async customerOf(orderId: string): Promise<string | null> {
    try {
      return (await this.orders.find(orderId))?.customerId ?? null;
    } catch (error) {
      if (error instanceof AccessLookupUnavailable) throw new OrderOwnershipUnavailable(error.message);
      throw error;
    }
  }
}

/** Owners from a map: unit tests. */
export class InMemoryOrderOwnership extends OrderOwnership {
  constructor(readonly owners = new Map<string, string>()) {
    super();
  }

  async customerOf(orderId: string): Promise<string | null> {
    return this.owners.get(orderId) ?? null;
  }
}
