import { z } from 'zod';
import { CHANNEL_ID_PATTERN } from './channels';
import { Ack } from './socket-protocol';

/**
 * Presence and typing: ephemeral signals that go through the edge only. They are never part of a
 * channel's history, carry no offset and are not replayed on resume; a client rebuilds presence
 * from the `presence.state` it gets after each subscribe.
 */

/** Client → edge events (each takes an ack callback). */
export const PRESENCE_CLIENT_EVENTS = {
  /** `{ ticketId, state, internal? }` ({@link TypingRequest}). */
  typing: 'chat.typing',
  /** Agents: `{ status }` ({@link PresenceStatusRequest}), shown on `support:agents`. */
  status: 'presence.status',
} as const;

/** Edge → client events. */
export const PRESENCE_SERVER_EVENTS = {
  /** The members of a channel, right after its subscribe ack ({@link PresenceState}). */
  state: 'presence.state',
  /** Who joined, changed status or left since ({@link PresenceDiff}). */
  diff: 'presence.diff',
  /** Somebody else started or stopped typing in a ticket ({@link TypingEvent}). Volatile. */
  typing: 'chat.typing',
} as const;

export const PRESENCE_STATUSES = ['online', 'busy', 'away'] as const;
/** An agent's availability. */
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

/** One member of a channel: a user, however many connections (tabs, devices, edges) they hold. */
export interface PresenceMember {
  userId: string;
  /** The member's roles (`customer`, `agent`, ...), so a client can tell the sides apart. */
  roles?: string[];
  /** Agents on `support:agents`: their status (`online` until they set another). */
  status?: PresenceStatus;
}

/**
 * Payload of `presence.state`: the whole membership of `channel`, the subscriber included.
 *
 * @example
 * { channel: 'ticket:t-1', members: [{ userId: 'alice', roles: ['customer'] }, { userId: 'agent-7', roles: ['agent'] }] }
 */
export interface PresenceState {
  channel: string;
  members: PresenceMember[];
}

/**
 * Payload of `presence.diff`. `joins` are upserts by `userId` (a new member, or a member whose
 * status changed); `leaves` carry only `userId` and arrive when a user's last connection left or
 * lapsed (their edge died: within the presence TTL).
 *
 * @example
 * { channel: 'support:agents', joins: [{ userId: 'agent-7', roles: ['agent'], status: 'busy' }], leaves: [] }
 */
export interface PresenceDiff {
  channel: string;
  joins: PresenceMember[];
  leaves: Pick<PresenceMember, 'userId'>[];
}

/**
 * `chat.typing` from a client: in `ticket:{ticketId}` (the socket must be subscribed to it), or with
 * `internal: true` (agents only) in the ticket's agents-only channel.
 *
 * @example
 * await socket.emitWithAck('chat.typing', { ticketId: 't-1', state: 'start' });
 */
export const typingRequestSchema = z.strictObject({
  ticketId: z.string().regex(CHANNEL_ID_PATTERN, 'must be 1-64 letters, digits, _ or -'),
  state: z.enum(['start', 'stop']),
  internal: z.boolean().optional(),
});
export type TypingRequest = z.infer<typeof typingRequestSchema>;

/**
 * Acks of `chat.typing`: ok (a `start` within 2 s of the last broadcast one is acked but not sent
 * again), or `INVALID` (naming the field), `FORBIDDEN` (not subscribed to the ticket; `internal`
 * without the agent role), `RATE_LIMITED` (the connection's message rate).
 */
export type TypingAck = Ack;

/**
 * `chat.typing` from the edge: `userId` started or stopped typing. Sent to the other members only,
 * volatile (may be dropped under backpressure). The edge sends `stop` by itself 8 s after a typist's
 * last `start`.
 *
 * @example
 * { ticketId: 't-1', userId: 'agent-7', state: 'start', internal: false }
 */
export interface TypingEvent {
  ticketId: string;
  userId: string;
  state: 'start' | 'stop';
  internal: boolean;
}

/**
 * `presence.status` from an agent subscribed to `support:agents`.
 *
 * @example
 * await socket.emitWithAck('presence.status', { status: 'busy' });
 */
export const presenceStatusRequestSchema = z.strictObject({
  status: z.enum(PRESENCE_STATUSES),
});
export type PresenceStatusRequest = z.infer<typeof presenceStatusRequestSchema>;

/**
 * Acks of `presence.status`: ok, `INVALID` (naming the field), `FORBIDDEN` (not an agent) or
 * `CONFLICT` (the connection has not subscribed to `support:agents`).
 */
export type PresenceStatusAck = Ack<{ status: PresenceStatus }>;
