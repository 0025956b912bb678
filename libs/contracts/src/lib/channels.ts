import { z } from 'zod';

/** The board every ops user watches; one channel for all orders. */
export const OPS_ORDERS_CHANNEL = 'ops:orders';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A channel name parsed into its kind and id. */
export type ParsedChannel =
  | { kind: 'order'; id: string }
  | { kind: 'user'; id: string }
  | { kind: 'ticket'; id: string }
  | { kind: 'ops'; id: 'orders' };

/**
 * @example
 * orderChannel('0193...') // 'order:0193...'
 */
export const orderChannel = (orderId: string): string => `order:${orderId}`;
export const userChannel = (userId: string): string => `user:${userId}`;
export const ticketChannel = (ticketId: string): string => `ticket:${ticketId}`;
/** A ticket's agents-only channel: internal notes and their typing. */
export const ticketInternalChannel = (ticketId: string): string => `ticket-internal:${ticketId}`;
/** Agents only: tickets created, assigned, changing status. */
export const SUPPORT_QUEUE_CHANNEL = 'support:queue';
/** Agents only: the agents' presence roster. */
export const SUPPORT_AGENTS_CHANNEL = 'support:agents';

/**
 * Parses a channel name; `null` when it is not one of the known forms, so the caller
 * can answer `INVALID` instead of guessing.
 *
 * @example
 * parseChannel('order:42') // { kind: 'order', id: '42' }
 * parseChannel('order:*')  // null
 */
export function parseChannel(name: string): ParsedChannel | null {
  if (name === OPS_ORDERS_CHANNEL) return { kind: 'ops', id: 'orders' };
  const colon = name.indexOf(':');
  if (colon < 0) return null;
  const kind = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if (!ID.test(id)) return null;
  if (kind === 'order' || kind === 'user' || kind === 'ticket') return { kind, id };
  return null;
}

/** A syntactically valid channel name (authorisation is the edge's job, not the schema's). */
export const channelNameSchema = z
  .string()
  .max(80)
  .refine((name) => parseChannel(name) !== null, {
    message: 'must be order:{id}, user:{id}, ticket:{id} or ops:orders',
  });
