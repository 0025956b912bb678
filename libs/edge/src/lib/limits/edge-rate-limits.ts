import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import {
  Admission,
  ConcurrencyLimiter,
  InMemoryRateLimiter,
  RateLimitDecision,
  RateLimiter,
  RateLimits,
} from '@shopnest/platform-rate-limit';
import { EdgeLimits } from './edge-limits';

export const EDGE_LIMITS = Symbol('EDGE_LIMITS');

/** Why a connection or message was refused, with what the client is told. */
export interface LimitRefusal {
  message: string;
  /** Absent when waiting alone does not help (e.g. too many open connections). */
  retryAfterMs?: number;
}

/** A refused connection, and which limit refused it: the address's `rate`, or the user's `slots`. */
export interface ConnectionRefusal {
  limit: 'rate' | 'slots';
  refusal: LimitRefusal;
}

/**
 * Applies {@link EdgeLimits}: per-connection budgets and abuse counting in this process;
 * per-user and per-IP budgets and per-user connection leases in the shared {@link RateLimits}
 * store. A failing store never refuses anyone: budgets fall back to per-process ones (the
 * limiter's insurance), and connection counting fails open, logged.
 */
@Injectable()
export class EdgeRateLimits implements OnModuleDestroy {
  private readonly logger = new Logger(EdgeRateLimits.name);
  private readonly perConnection: RateLimiter;
  private readonly perUser: RateLimiter;
  private readonly perIp: RateLimiter;
  private readonly refusals: RateLimiter;
  private readonly connections: ConcurrencyLimiter;
  private readonly admission: Admission;
  /** Leases this edge holds, by socket id, refreshed on a timer. */
  private readonly leases = new Map<string, string>();
  private readonly refreshTimer: NodeJS.Timeout;

  constructor(
    @Inject(EDGE_LIMITS) private readonly limits: EdgeLimits,
    store: RateLimits,
  ) {
    const second = 1_000;
    this.perConnection = new InMemoryRateLimiter({
      name: 'edge-msg-conn',
      points: limits.messagesPerSecondPerConnection,
      durationMs: second,
    });
    this.refusals = new InMemoryRateLimiter({
      name: 'edge-abuse',
      points: limits.abuseRefusals,
      durationMs: limits.abuseWindowSeconds * second,
    });
    this.perUser = store.limiter({
      name: 'edge-msg-user',
      points: limits.messagesPerSecondPerUser,
      durationMs: second,
    });
    const perIp = { name: 'edge-conn-ip', points: limits.connectionsPerSecondPerIp, durationMs: second };
    this.perIp = store.limiter(perIp);
    const leaseMs = limits.connectionLeaseSeconds * second;
    const perUser = { name: 'edge-conn-user', max: limits.connectionsPerUser, leaseMs };
    this.connections = store.concurrency(perUser);
    this.admission = store.admission(perIp, perUser);
    this.refreshTimer = setInterval(() => void this.refreshLeases(), Math.max(1, Math.floor(leaseMs / 3)));
    this.refreshTimer.unref();
  }

  /** A new connection from `ip` (before its token is even verified, so floods cost little). */
  async admitConnection(ip: string): Promise<LimitRefusal | null> {
    const decision = await this.perIp.consume(ip);
    return decision.allowed ? null : ipRefusal(decision);
  }

  /**
   * Takes one of the user's connection slots for `socketId`. The slot lapses within
   * `connectionLeaseSeconds` unless {@link holdConnection} follows once the socket is connected
   * (a handshake can still fail after this, and must not leave a slot behind).
   */
  async acquireConnection(userId: string, socketId: string): Promise<LimitRefusal | null> {
    try {
      const decision = await this.connections.acquire(userId, socketId);
      if (!decision.allowed) return this.crowded();
    } catch (error) {
      this.logger.warn(`could not count connections of user ${userId}, admitting: ${describe(error)}`);
    }
    return null;
  }

  /**
   * {@link admitConnection} and {@link acquireConnection} in one step (one round trip to the
   * store), for a connection whose user is known already (its token verified): the address's
   * rate first, then, only within it, the user's slot. When the store fails, falls back to those
   * two calls (the rate's per-process insurance; the slot fails open).
   */
  async admitUserConnection(ip: string, userId: string, connectionId: string): Promise<ConnectionRefusal | null> {
    let decision: Awaited<ReturnType<Admission['admit']>>;
    try {
      decision = await this.admission.admit(ip, userId, connectionId);
    } catch (error) {
      this.logger.warn(
        `could not admit a connection of user ${userId} in one step, checking apart: ${describe(error)}`,
      );
      const throttled = await this.admitConnection(ip);
      if (throttled) return { limit: 'rate', refusal: throttled };
      const crowded = await this.acquireConnection(userId, connectionId);
      return crowded && { limit: 'slots', refusal: crowded };
    }
    if (!decision.rate.allowed) return { limit: 'rate', refusal: ipRefusal(decision.rate) };
    if (decision.slot && !decision.slot.allowed) return { limit: 'slots', refusal: this.crowded() };
    return null;
  }

  /** Gives back a slot taken for a connection that then failed its handshake (before {@link holdConnection}). */
  abandonConnection(userId: string, connectionId: string): void {
    this.connections.release(userId, connectionId).catch((error: unknown) => {
      this.logger.warn(`could not release the connection slot of user ${userId}: ${describe(error)}`);
    });
  }

  /** Keeps the slot of a connected socket refreshed until {@link releaseConnection}. */
  holdConnection(userId: string, socketId: string): void {
    this.leases.set(socketId, userId);
  }

  releaseConnection(socketId: string): void {
    const userId = this.leases.get(socketId);
    if (userId === undefined) return;
    this.leases.delete(socketId);
    this.connections.release(userId, socketId).catch((error: unknown) => {
      // The lease then lapses by itself within connectionLeaseSeconds.
      this.logger.warn(`could not release the connection slot of user ${userId}: ${describe(error)}`);
    });
  }

  /** One inbound message: the connection's budget first (no I/O), then the user's shared one. */
  async admitMessage(socketId: string, userId: string): Promise<LimitRefusal | null> {
    const decision = await this.perConnection.consume(socketId);
    if (!decision.allowed) return refusal('this connection', decision);
    const user = await this.perUser.consume(userId);
    return user.allowed ? null : refusal('this user', user);
  }

  /** Counts a refused message; true once the connection has been refused too often (sustained abuse). */
  async isAbusive(socketId: string): Promise<boolean> {
    return !(await this.refusals.consume(socketId)).allowed;
  }

  private crowded(): LimitRefusal {
    return {
      message: `too many open connections for this user (at most ${this.limits.connectionsPerUser}); close one first`,
    };
  }

  onModuleDestroy(): void {
    clearInterval(this.refreshTimer);
  }

  private async refreshLeases(): Promise<void> {
    if (this.leases.size === 0) return;
    const leases = [...this.leases].map(([holder, key]) => ({ key, holder }));
    try {
      await this.connections.refresh(leases);
    } catch (error) {
      this.logger.warn(`could not refresh ${leases.length} connection leases: ${describe(error)}`);
    }
  }
}

function ipRefusal(decision: RateLimitDecision): LimitRefusal {
  return {
    message: `too many new connections from this address; retry after ${decision.retryAfterMs} ms`,
    retryAfterMs: decision.retryAfterMs,
  };
}

function refusal(whose: string, decision: RateLimitDecision): LimitRefusal {
  return {
    message: `too many messages from ${whose}; retry after ${decision.retryAfterMs} ms`,
    retryAfterMs: decision.retryAfterMs,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
