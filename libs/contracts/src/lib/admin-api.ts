import { z } from 'zod';

/**
 * The edge's operator API (role `ops`): a user's live connections on every edge, ending them, and
 * revoking access tokens. See docs/protocol.md, "Operator API".
 */

/** One live socket.io connection of a user, on whichever edge holds it. */
export interface UserConnection {
  socketId: string;
  /** The edge process holding it (`host:pid`). */
  edge: string;
  transport: 'websocket' | 'polling';
  /** ISO 8601. */
  connectedAt: string;
  /** Rooms it is in: its user channel and every subscribed channel. */
  channels: string[];
}

/** `GET /admin/users/:userId/connections` */
export interface UserConnectionsResponse {
  userId: string;
  connections: UserConnection[];
}

/** `POST /admin/users/:userId/disconnect`: end every connection; optionally refuse the tokens they used. */
export const disconnectUserBodySchema = z.strictObject({
  /** Also revoke every token of the user issued before now, so a reconnect needs a new token. */
  revokeTokens: z.boolean().default(false),
});
export type DisconnectUserBody = z.input<typeof disconnectUserBodySchema>;

export interface DisconnectUserResponse {
  userId: string;
  /** Connections that were open and were ended. */
  disconnected: number;
  /** The revocation cut-off (seconds since the epoch), when tokens were revoked. */
  revokedIssuedBefore?: number;
}

/**
 * `POST /admin/revocations`: one token by its `jti` (refused until its `exp`), or every token of a
 * user issued before `issuedBefore` (seconds since the epoch; default now).
 *
 * @example
 * { "tokenId": "4f1c…", "expiresAt": 1767225600 }
 * { "userId": "user-42" }
 */
export const revocationBodySchema = z.union([
  z.strictObject({ tokenId: z.string().min(1).max(256), expiresAt: z.number().int().positive() }),
  z.strictObject({ userId: z.string().min(1).max(128), issuedBefore: z.number().int().positive().optional() }),
]);
export type RevocationBody = z.infer<typeof revocationBodySchema>;
