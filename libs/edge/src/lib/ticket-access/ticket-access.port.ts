import { TicketAccess } from '@shopnest/contracts';

/**
 * Answers which customer a support ticket belongs to, so the edge can authorise `ticket:{id}`
 * subscriptions and typing without holding ticket state itself.
 *
 * Guarantees (those of `OrderAccessLookup`): `null` means the ticket does not exist (as far as the
 * source knows). Any other failure (source down, timeout, bad answer) rejects, so callers never
 * mistake an outage for "no such ticket". Answers may be a few seconds stale (adapters may cache).
 *
 * @example
 * const access = await lookup.find('t-42'); // { customerId: 'user-1' } | null
 */
export abstract class TicketAccessLookup {
  abstract find(ticketId: string): Promise<TicketAccess | null>;
}
