import { PresenceMember, PresenceStatus } from '@shopnest/contracts';

/** One connection (a socket) of a user in a channel. */
export interface PresenceConnection {
  channel: string;
  userId: string;
  /** Unique per connection, across every edge (a socket id); must not contain a line break. */
  connectionId: string;
}

/** What a member shows besides their id; kept from the user's first connection in the channel. */
export interface PresenceInfo {
  roles?: readonly string[];
  status?: PresenceStatus;
}

export interface PresenceJoin {
  /** True when this was the user's first connection in the channel: tell the others. */
  joined: boolean;
  member: PresenceMember;
}

export interface PresenceLeave {
  /** True when this was the user's last connection in the channel: tell the others. */
  left: boolean;
}

/** A member whose last connection in a channel lapsed (its edge stopped heart-beating). */
export interface PresenceLapse {
  channel: string;
  userId: string;
}

export interface PresenceStatusChange {
  member: PresenceMember;
  /** False when the member already had this status. */
  changed: boolean;
}

/**
 * Who is in which channel, across every edge: a member is a user, however many connections
 * (tabs, devices, edges) they hold there. Ephemeral: nothing here is history.
 *
 * Guarantees:
 * - `join` and `leave` are atomic per channel across every edge sharing the store: of concurrent
 *   calls, exactly one `join` reports the user's first connection and exactly one `leave` (or
 *   {@link sweep}) reports their last, so each change is announced once. Both are idempotent per
 *   connection (a repeated join is not a second connection; leaving an unknown one is a no-op).
 * - Every connection is a lease of {@link ttlMs}: its holder renews it with {@link heartbeat}
 *   (every `ttlMs / 3` is the intent). A lapsed connection stops counting at once in
 *   {@link members}, and the next {@link sweep} (by any holder) removes it and reports the members
 *   it was the last connection of, exactly once. So a crashed edge's users leave within `ttlMs`,
 *   and are announced at the next sweep.
 * - A member's info (roles, status) is kept from their first connection until they leave;
 *   {@link setStatus} changes the status for all their connections.
 * - Calls reject when the store fails; callers decide what an outage means.
 * - `close()` releases the store's connection; entries stay until they lapse, as after a crash.
 *
 * @example
 * const { joined, member } = await presence.join({ channel: 'ticket:t-1', userId: 'alice', connectionId: socket.id }, { roles: ['customer'] });
 * if (joined) broadcastDiff({ joins: [member], leaves: [] });
 * setInterval(() => presence.heartbeat(myConnections), presence.ttlMs / 3);
 */
export abstract class Presence {
  /** How long a connection counts without a heartbeat. */
  abstract readonly ttlMs: number;

  abstract join(connection: PresenceConnection, info?: PresenceInfo): Promise<PresenceJoin>;

  abstract leave(connection: PresenceConnection): Promise<PresenceLeave>;

  /**
   * Renews these connections' leases (a lapsed one not swept yet is renewed too). Resolves with
   * those the store no longer holds (they lapsed and were swept, e.g. after a long pause of this
   * process): join them again to be seen.
   */
  abstract heartbeat(connections: readonly PresenceConnection[]): Promise<PresenceConnection[]>;

  /** Removes lapsed connections; resolves with the members that left because of it. */
  abstract sweep(): Promise<PresenceLapse[]>;

  /** The channel's members with at least one live connection, each once. */
  abstract members(channel: string): Promise<PresenceMember[]>;

  /** Sets a member's status; `null` when the user is not a member of the channel. */
  abstract setStatus(channel: string, userId: string, status: PresenceStatus): Promise<PresenceStatusChange | null>;

  /** Readiness: resolves when the store answers. */
  abstract ping(): Promise<void>;

  abstract close(): Promise<void>;
}

/** Throws on a connection id the stores cannot key (they join it to the user id with a line break). */
export function checkConnection(connection: PresenceConnection): void {
  if (!connection.connectionId || connection.connectionId.includes('\n'))
    throw new Error(`presence: invalid connection id ${JSON.stringify(connection.connectionId)}`);
}

/** A member as the port hands it out: only the fields that are set. */
export function toMember(
  userId: string,
  roles: readonly string[] | undefined,
  status: PresenceStatus | undefined,
): PresenceMember {
  return { userId, ...(roles && { roles: [...roles] }), ...(status && { status }) };
}
