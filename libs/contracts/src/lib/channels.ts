import { z } from 'zod';

/** The board every ops user watches; one channel for all orders. */
export const OPS_ORDERS_CHANNEL = 'ops:orders';
/** Agents only: ticket created / assigned / status events of every ticket. */
export const SUPPORT_QUEUE_CHANNEL = 'support:queue';
/** Agents only: the agents' presence roster (who is online, busy or away). */
export const SUPPORT_AGENTS_CHANNEL = 'support:agents';

/** The id part of a channel name (an order, user or ticket id). */
export const CHANNEL_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A channel name parsed into its kind and id. */
export type ParsedChannel =
  | { kind: 'order'; id: string }
  | { kind: 'user'; id: string }
  /** The ticket's customer and agents. */
  | { kind: 'ticket'; id: string }
  /** Agents only: a ticket's internal notes and internal typing. */
  | { kind: 'ticket-internal'; id: string }
  | { kind: 'ops'; id: 'orders' }
  | { kind: 'support'; id: 'queue' | 'agents' };

/** Kinds whose id is free (`{kind}:{id}`), as opposed to the fixed channels. */
const ID_KINDS = new Set(['order', 'user', 'ticket', 'ticket-internal']);
const FIXED = new Map<string, ParsedChannel>([
  [OPS_ORDERS_CHANNEL, { kind: 'ops', id: 'orders' }],
  [SUPPORT_QUEUE_CHANNEL, { kind: 'support', id: 'queue' }],
  [SUPPORT_AGENTS_CHANNEL, { kind: 'support', id: 'agents' }],
]);

/**
 * @example
 * orderChannel('0193...') // 'order:0193...'
 */
export const orderChannel = (orderId: string): string => `order:${orderId}`;
export const userChannel = (userId: string): string => `user:${userId}`;
export const ticketChannel = (ticketId: string): string => `ticket:${ticketId}`;
/**
 * @example
 * ticketInternalChannel('t-1') // 'ticket-internal:t-1' (agents only)
 */
export const ticketInternalChannel = (ticketId: string): string => `ticket-internal:${ticketId}`;

/**
 * Parses a channel name; `null` when it is not one of the known forms, so the caller
 * can answer `INVALID` instead of guessing.
 *
 * @example
 * parseChannel('order:42') // { kind: 'order', id: '42' }
 * parseChannel('support:queue') // { kind: 'support', id: 'queue' }
 * parseChannel('order:*')  // null
 */
export function parseChannel(name: string): ParsedChannel | null {
  const fixed = FIXED.get(name);
  if (fixed) return { ...fixed };
  const colon = name.indexOf(':');
  if (colon < 0) return null;
  const kind = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if (!CHANNEL_ID_PATTERN.test(id) || !ID_KINDS.has(kind)) return null;
  return { kind, id } as ParsedChannel;
}

/** A syntactically valid channel name (authorisation is the edge's job, not the schema's). */
export const channelNameSchema = z
  .string()
  .max(80)
  .refine((name) => parseChannel(name) !== null, {
    message:
      'must be order:{id}, user:{id}, ticket:{id}, ticket-internal:{id}, ops:orders, support:queue or support:agents',
  });
