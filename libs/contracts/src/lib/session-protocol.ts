import { z } from 'zod';
import { ErrorBody } from './errors';
import { Ack } from './socket-protocol';

/**
 * Session-level socket events: keeping a connection's token fresh, and what the edge tells a
 * client before it closes the connection or when a message cannot be answered with an ack.
 */

/** Client → server events of the session (each takes an ack callback). */
export const SESSION_CLIENT_EVENTS = {
  /** Replace the connection's access token before it expires: `{ token }`. */
  refresh: 'auth.refresh',
} as const;

/** Server → client events of the session. */
export const SESSION_SERVER_EVENTS = {
  /** The token expired without a refresh; the server disconnects right after ({@link SessionExpired}). */
  expired: 'session.expired',
  /**
   * The server ends the session and disconnects right after ({@link SessionTerminated}): sustained
   * abuse (`RATE_LIMITED`), or a client that reads too slowly (`SLOW_CONSUMER`, resumable).
   */
  terminated: 'session.terminated',
  /** A message that had no ack callback was refused ({@link ProtocolError}). */
  protocolError: 'protocol.error',
  /**
   * The edge is shutting down ({@link SessionDraining}): reconnect after `reconnectAfterMs` (the load
   * balancer sends you to another edge) and subscribe with `since`. The edge closes the transport itself
   * shortly after that time, without a disconnect packet, so plain socket.io clients reconnect too.
   */
  draining: 'session.draining',
} as const;

/**
 * @example
 * const ack: AuthRefreshAck = await socket.emitWithAck('auth.refresh', { token: newToken });
 */
export const authRefreshRequestSchema = z.strictObject({
  token: z.string().min(1).max(8_192),
});
export type AuthRefreshRequest = z.infer<typeof authRefreshRequestSchema>;

/**
 * Success carries the new expiry (seconds since the epoch, `null` when the token never expires).
 * Failures: `INVALID` (payload), `UNAUTHENTICATED` (the new token does not verify; the old one
 * stays in force until its own expiry), `FORBIDDEN` (a token for another subject).
 */
export type AuthRefreshAck = Ack<{ expiresAt: number | null }>;

/** Payload of `session.expired`. */
export interface SessionExpired extends ErrorBody {
  code: 'UNAUTHENTICATED';
  /** The token's `exp`, seconds since the epoch. */
  expiredAt: number;
}

/**
 * Payload of `session.terminated`. `RATE_LIMITED`: too many refused messages. `SLOW_CONSUMER`:
 * more than the edge's outbound limit was waiting for this client to read; reconnect and
 * subscribe with `since`, and history replays what was not delivered.
 *
 * @example
 * socket.on('session.terminated', (body: SessionTerminated) => body.code === 'SLOW_CONSUMER' && resumeLater());
 */
export interface SessionTerminated extends ErrorBody {
  /** `UNAUTHENTICATED`: an operator ended the user's sessions (and may have revoked their tokens). */
  code: 'RATE_LIMITED' | 'SLOW_CONSUMER' | 'UNAUTHENTICATED';
}

/**
 * Payload of `session.draining`. Each client gets its own jittered delay within the edge's drain
 * window, so reconnects spread out instead of arriving as one herd.
 *
 * @example
 * socket.on('session.draining', ({ reconnectAfterMs }: SessionDraining) => setTimeout(reconnect, reconnectAfterMs));
 */
export interface SessionDraining {
  reconnectAfterMs: number;
  message: string;
}

/** Payload of `protocol.error`: which event was refused, and why. */
export interface ProtocolError extends ErrorBody {
  event: string;
  retryAfterMs?: number;
}

/**
 * The `error` of an ack (or `connect_error` data) refused by a rate limit: wait `retryAfterMs`
 * before trying again.
 */
export interface RateLimitedError extends ErrorBody {
  code: 'RATE_LIMITED';
  retryAfterMs: number;
}
