import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  parseChannel,
  PRESENCE_SERVER_EVENTS,
  PresenceDiff,
  PresenceMember,
  PresenceState,
  PresenceStatus,
  SUPPORT_AGENTS_CHANNEL,
  userChannel,
} from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import { Presence, PresenceConnection, PresenceInfo } from '@shopnest/platform-presence';
import { Counter } from 'prom-client';
import type { EdgeServer, EdgeSocket } from '../edge.gateway';

/** How long shutdown waits for presence operations under way (each one a Redis round trip or two). */
const SHUTDOWN_WAIT_MS = 2_000;

interface Local {
  connection: PresenceConnection;
  info: PresenceInfo;
}

/** Channels whose members are shown: a ticket's room, and the agents' roster. */
export function hasPresence(channel: string): boolean {
  const parsed = parseChannel(channel);
  return parsed?.kind === 'ticket' || channel === SUPPORT_AGENTS_CHANNEL;
}

/**
 * The edge's side of presence: records each socket's presence channels in the shared
 * {@link Presence} store, sends a subscriber the channel's `presence.state`, and tells the other
 * members `presence.diff` when a user's first connection joins or their last one leaves (on any
 * edge, through the socket.io adapter's rooms). One timer per edge renews this edge's leases and
 * sweeps lapsed ones (a crashed edge's), announcing those leaves too. Presence is ephemeral: its
 * events carry no offset and never enter channel history. A store failure never fails a
 * subscription; it is logged and counted.
 */
@Injectable()
export class EdgePresence implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EdgePresence.name);
  private readonly changes: Counter<string>;
  private readonly failures: Counter<string>;
  /** socket id → its presence connections (and what it joined with), by channel. */
  private readonly local = new Map<string, Map<string, Local>>();
  private server?: EdgeServer;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private handingOver = false;
  /** Shutting down: nothing new starts (see {@link onModuleDestroy}). */
  private closed = false;
  /** Presence operations under way (joins, leaves, ticks), which shutdown lets finish. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly presence: Presence,
    metrics: MetricsService,
  ) {
    this.changes = metrics.counter(
      'edge_presence_changes_total',
      'Presence changes this edge announced (join, leave, lapse: a crashed edge’s member; status)',
      ['change'],
    );
    this.failures = metrics.counter('edge_presence_failures_total', 'Presence store calls that failed, by operation', [
      'operation',
    ]);
  }

  /** The socket.io server whose rooms reach every edge; set by the gateway. */
  use(server: EdgeServer): void {
    this.server = server;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(1, Math.floor(this.presence.ttlMs / 3)));
    this.timer.unref();
  }

  /**
   * Nest calls this before it closes the socket.io server. What is under way finishes (up to
   * {@link SHUTDOWN_WAIT_MS}) and announces while the server and its Redis adapter are still open:
   * the adapter publishes a broadcast without handling a rejection, so one that came after its
   * connection quit was an unhandled "Connection is closed". Nothing new starts: the connections
   * that close from here on are left to lapse, as when handing over, and the other edges' sweeps
   * announce them.
   */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.inFlight),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  /**
   * `socket` was just acked its subscription to `channel`: join it, announce the user if this was
   * their first connection there, then send the socket the members.
   */
  async subscribed(socket: EdgeSocket, channel: string): Promise<void> {
    // Gone before its turn came: recording it now would keep a ghost member alive by heartbeat.
    if (this.closed || !socket.connected || !socket.rooms.has(channel)) return;
    const { principal } = socket.data;
    const connection: PresenceConnection = { channel, userId: principal.userId, connectionId: socket.id };
    // Agents start `online` on their roster; a status they chose on another tab is kept.
    const info: PresenceInfo = {
      roles: principal.roles,
      ...(channel === SUPPORT_AGENTS_CHANNEL && { status: 'online' }),
    };
    let channels = this.local.get(socket.id);
    if (!channels) this.local.set(socket.id, (channels = new Map()));
    channels.set(channel, { connection, info });
    await this.guard('join', async () => {
      const { joined, member } = await this.presence.join(connection, info);
      // The socket may have left meanwhile; its leave (queued behind this join) undoes it.
      if (!socket.connected || !socket.rooms.has(channel)) return;
      if (joined) this.announce(channel, principal.userId, { joins: [member], leaves: [] }, 'join');
      const state: PresenceState = { channel, members: await this.presence.members(channel) };
      socket.emit(PRESENCE_SERVER_EVENTS.state, state);
    });
  }

  /** `socket` left `channel` (unsubscribe, lost authorisation). */
  async left(socket: EdgeSocket, channel: string): Promise<void> {
    const mine = this.local.get(socket.id)?.get(channel);
    if (!mine) return;
    this.local.get(socket.id)?.delete(channel);
    await this.leave(mine.connection);
  }

  /**
   * `socket` disconnected: it leaves every presence channel; while handing over (see
   * {@link handOver}) its entries are only no longer renewed.
   */
  async disconnected(socket: EdgeSocket): Promise<void> {
    const channels = this.local.get(socket.id);
    this.local.delete(socket.id);
    if (this.handingOver || this.closed) return;
    await Promise.all([...(channels?.values() ?? [])].map(({ connection }) => this.leave(connection)));
  }

  /**
   * This edge is draining: its clients are about to reconnect to another edge. Their entries are
   * left to lapse instead of leaving, so a client that comes back within the TTL joins as a second
   * connection of a present member, and the others see no leave-then-join for a deploy; one that
   * does not come back is announced gone by the sweep, as after a crash.
   */
  handOver(): void {
    this.handingOver = true;
  }

  /** Whether `socket` is a member of `channel` (its subscription reached presence). */
  isMember(socket: EdgeSocket, channel: string): boolean {
    return this.local.get(socket.id)?.has(channel) ?? false;
  }

  /**
   * An agent's new status on `support:agents`, announced there to everyone (their own other tabs
   * too) when it changed. Rejects when the store fails.
   */
  async setStatus(socket: EdgeSocket, status: PresenceStatus): Promise<PresenceMember | null> {
    const change = await this.presence.setStatus(SUPPORT_AGENTS_CHANNEL, socket.data.principal.userId, status);
    if (change?.changed) {
      this.changes.inc({ change: 'status' });
      this.emitDiff(this.room(SUPPORT_AGENTS_CHANNEL), {
        channel: SUPPORT_AGENTS_CHANNEL,
        joins: [change.member],
        leaves: [],
      });
    }
    return change?.member ?? null;
  }

  /** Renews this edge's leases, joins again what lapsed meanwhile, and announces lapsed members. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const mine = [...this.local.values()].flatMap((channels) => [...channels.values()]);
      const infos = new Map(mine.map(({ connection, info }) => [connection, info]));
      await this.guard('heartbeat', async () => {
        for (const connection of await this.presence.heartbeat([...infos.keys()])) {
          const { joined, member } = await this.presence.join(connection, infos.get(connection));
          if (joined) this.announce(connection.channel, connection.userId, { joins: [member], leaves: [] }, 'join');
        }
      });
      await this.guard('sweep', async () => {
        for (const { channel, userId } of await this.presence.sweep())
          this.announce(channel, userId, { joins: [], leaves: [{ userId }] }, 'lapse');
      });
    } finally {
      this.ticking = false;
    }
  }

  private async leave(connection: PresenceConnection): Promise<void> {
    await this.guard('leave', async () => {
      const { left } = await this.presence.leave(connection);
      if (left)
        this.announce(
          connection.channel,
          connection.userId,
          { joins: [], leaves: [{ userId: connection.userId }] },
          'leave',
        );
    });
  }

  /** A user's own join or leave goes to the others only: their own tabs know. */
  private announce(
    channel: string,
    userId: string,
    diff: Omit<PresenceDiff, 'channel'>,
    change: 'join' | 'leave' | 'lapse',
  ): void {
    this.changes.inc({ change });
    const room = this.room(channel)?.except(userChannel(userId));
    this.emitDiff(room, { channel, ...diff });
  }

  private room(channel: string) {
    return this.server?.to(channel);
  }

  private emitDiff(room: ReturnType<EdgeServer['to']> | undefined, diff: PresenceDiff): void {
    room?.emit(PRESENCE_SERVER_EVENTS.diff, diff);
  }

  /** Runs `run`, counted among the operations shutdown waits for; never rejects (a failure is logged). */
  private guard(operation: string, run: () => Promise<void>): Promise<void> {
    const work = (async () => {
      try {
        await run();
      } catch (error) {
        this.failures.inc({ operation });
        this.logger.warn(`presence ${operation} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }
}
