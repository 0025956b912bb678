import { PresenceMember, PresenceStatus } from '@shopnest/contracts';
import {
  checkConnection,
  Presence,
  PresenceConnection,
  PresenceInfo,
  PresenceJoin,
  PresenceLapse,
  PresenceLeave,
  PresenceStatusChange,
  toMember,
} from '../presence.port';

interface Member {
  /** Connections counted for this member, lapsed ones included until swept. */
  connections: number;
  roles?: readonly string[];
  status?: PresenceStatus;
}

interface Channel {
  /** connectionId → its user and lease expiry. */
  leases: Map<string, { userId: string; expiresAt: number }>;
  members: Map<string, Member>;
}

/** One process's presence (the one-process mode and unit tests), on the same lease rules as Redis. */
export class InMemoryPresence extends Presence {
  private readonly channels = new Map<string, Channel>();

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  async join(connection: PresenceConnection, info: PresenceInfo = {}): Promise<PresenceJoin> {
    checkConnection(connection);
    const { channel: name, userId, connectionId } = connection;
    let channel = this.channels.get(name);
    if (!channel) this.channels.set(name, (channel = { leases: new Map(), members: new Map() }));
    const known = channel.leases.has(connectionId);
    channel.leases.set(connectionId, { userId, expiresAt: this.now() + this.ttlMs });
    let member = channel.members.get(userId);
    const joined = !member;
    if (!member) channel.members.set(userId, (member = { connections: 0, roles: info.roles, status: info.status }));
    if (!known) member.connections += 1;
    return { joined, member: toMember(userId, member.roles, member.status) };
  }

  async leave({ channel: name, connectionId }: PresenceConnection): Promise<PresenceLeave> {
    const channel = this.channels.get(name);
    const lease = channel?.leases.get(connectionId);
    if (!channel || !lease) return { left: false };
    return { left: this.drop(name, channel, connectionId, lease.userId) };
  }

  async heartbeat(connections: readonly PresenceConnection[]): Promise<PresenceConnection[]> {
    const expiresAt = this.now() + this.ttlMs;
    const missing: PresenceConnection[] = [];
    for (const connection of connections) {
      const lease = this.channels.get(connection.channel)?.leases.get(connection.connectionId);
      if (lease) lease.expiresAt = expiresAt;
      else missing.push(connection);
    }
    return missing;
  }

  async sweep(): Promise<PresenceLapse[]> {
    const now = this.now();
    const lapses: PresenceLapse[] = [];
    for (const [name, channel] of [...this.channels]) {
      for (const [connectionId, lease] of [...channel.leases]) {
        if (lease.expiresAt <= now && this.drop(name, channel, connectionId, lease.userId))
          lapses.push({ channel: name, userId: lease.userId });
      }
    }
    return lapses;
  }

  async members(name: string): Promise<PresenceMember[]> {
    const channel = this.channels.get(name);
    if (!channel) return [];
    const now = this.now();
    const live = new Set([...channel.leases.values()].filter((l) => l.expiresAt > now).map((l) => l.userId));
    return [...live].map((userId) => {
      const member = channel.members.get(userId) as Member;
      return toMember(userId, member.roles, member.status);
    });
  }

  async setStatus(name: string, userId: string, status: PresenceStatus): Promise<PresenceStatusChange | null> {
    const member = this.channels.get(name)?.members.get(userId);
    if (!member) return null;
    const changed = member.status !== status;
    member.status = status;
    return { changed, member: toMember(userId, member.roles, member.status) };
  }

  async ping(): Promise<void> {
    return;
  }

  async close(): Promise<void> {
    this.channels.clear();
  }

  /** Removes one lease; true when it was its member's last. */
  private drop(name: string, channel: Channel, connectionId: string, userId: string): boolean {
    channel.leases.delete(connectionId);
    const member = channel.members.get(userId) as Member;
    member.connections -= 1;
    if (member.connections > 0) return false;
    channel.members.delete(userId);
    if (channel.members.size === 0) this.channels.delete(name);
    return true;
  }
}
