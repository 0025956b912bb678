import { Injectable } from '@nestjs/common';
import { parseChannel, Principal, Role } from '@shopnest/contracts';
import { OrderAccessLookup } from './order-access/order-access.port';
import { TicketAccessLookup } from './ticket-access/ticket-access.port';

/** The verdict on one subscription request. */
export type ChannelDecision = { allowed: true } | { allowed: false; code: 'FORBIDDEN' | 'INVALID'; message: string };

/** Roles that see every order (support, the ops board, internal services). */
const ORDER_WIDE_ROLES: readonly Role[] = ['ops', 'agent', 'service'];

const has = (principal: Principal, ...roles: Role[]) => principal.roles.some((role) => roles.includes(role));

/**
 * Who may join which channel:
 * - `user:{id}`: only that user.
 * - `ops:orders`: only `ops`.
 * - `order:{id}`: `ops`, `agent` and `service` always; a `customer` only for their own order;
 *   a `courier` only while assigned to it. A missing order and somebody else's order get the
 *   same answer, so nobody can probe which order ids exist.
 * - `ticket:{id}`: `agent` always; a `customer` only for their own ticket (same refusal for a
 *   missing ticket and somebody else's). Couriers, shoppers without the customer role, ops and
 *   services never.
 * - `ticket-internal:{id}` (internal notes), `support:queue`, `support:agents`: only `agent`.
 *
 * A principal with several roles is allowed when any of them allows. Lookup failures reject
 * (the caller answers `INTERNAL`): an outage must not look like a refusal or a grant.
 */
@Injectable()
export class ChannelAuthorizer {
  constructor(
    private readonly orders: OrderAccessLookup,
    private readonly tickets: TicketAccessLookup,
  ) {}

  async authorize(principal: Principal, channel: string): Promise<ChannelDecision> {
    const parsed = parseChannel(channel);
    if (!parsed) return { allowed: false, code: 'INVALID', message: `unknown channel ${JSON.stringify(channel)}` };
    const forbidden: ChannelDecision = {
      allowed: false,
      code: 'FORBIDDEN',
      message: `not allowed to subscribe to ${channel}`,
    };
    switch (parsed.kind) {
      case 'user':
        return parsed.id === principal.userId ? { allowed: true } : forbidden;
      case 'ops':
        return has(principal, 'ops') ? { allowed: true } : forbidden;
      case 'ticket-internal':
      case 'support':
        return has(principal, 'agent') ? { allowed: true } : forbidden;
      case 'ticket': {
        if (has(principal, 'agent')) return { allowed: true };
        if (!has(principal, 'customer')) return forbidden;
        const access = await this.tickets.find(parsed.id);
        return access?.customerId === principal.userId ? { allowed: true } : forbidden;
      }
      case 'order': {
        if (has(principal, ...ORDER_WIDE_ROLES)) return { allowed: true };
        if (!has(principal, 'customer', 'courier')) return forbidden;
        const access = await this.orders.find(parsed.id);
        if (!access) return forbidden;
        const owns = has(principal, 'customer') && access.customerId === principal.userId;
        const carries = has(principal, 'courier') && access.courierId === principal.userId;
        return owns || carries ? { allowed: true } : forbidden;
      }
    }
  }
}
