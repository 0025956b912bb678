import { OrderAccess } from '@shopnest/contracts';

/**
 * Answers who owns an order and who carries it, so the edge can authorise `order:{id}`
 * subscriptions without holding order state itself.
 *
 * Guarantees: `null` means the order does not exist (as far as the source knows). Any other
 * failure (source down, timeout, bad answer) rejects, so callers never mistake an outage for
 * "no such order". Answers may be a few seconds stale (adapters may cache).
 *
 * @example
 * const access = await lookup.find('o-42'); // { customerId: 'user-1', courierId: null } | null
 */
export abstract class OrderAccessLookup {
  abstract find(orderId: string): Promise<OrderAccess | null>;
}
