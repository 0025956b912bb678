import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import {
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
    this.perIp = store.limiter({ name: 'edge-conn-ip', points: limits.connectionsPerSecondPerIp, durationMs: second });
    const leaseMs = limits.connectionLeaseSeconds * second;
    this.connections = store.concurrency({ name: 'edge-conn-user', max: limits.connectionsPerUser, leaseMs });
    this.refreshTimer = setInterval(() => void this.refreshLeases(), Math.max(1, Math.floor(leaseMs / 3)));
    this.refreshTimer.unref();
  }

  /** A new connection from `ip` (before its token is even verified, so floods cost little). */
  async admitConnection(ip: string): Promise<LimitRefusal | null> {
    const decision = await this.perIp.consume(ip);
    if (decision.allowed) return null;
    return {
      message: `too many new connections from this address; retry after ${decision.retryAfterMs} ms`,
      retryAfterMs: decision.retryAfterMs,
    };
  }

  /**
   * Takes one of the user's connection slots for `socketId`. The slot lapses within
   * `connectionLeaseSeconds` unless {@link holdConnection} follows once the socket is connected
   * (a handshake can still fail after this, and must not leave a slot behind).
   */
  async acquireConnection(userId: string, socketId: string): Promise<LimitRefusal | null> {
    try {
      const decision = await this.connections.acquire(userId, socketId);
      if (!decision.allowed) {
        return {
          message: `too many open connections for this user (at most ${this.limits.connectionsPerUser}); close one first`,
        };
      }
    } catch (error) {
      this.logger.warn(`could not count connections of user ${userId}, admitting: ${describe(error)}`);
    }
    return null;
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

function refusal(whose: string, decision: RateLimitDecision): LimitRefusal {
  return {
    message: `too many messages from ${whose}; retry after ${decision.retryAfterMs} ms`,
    retryAfterMs: decision.retryAfterMs,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
