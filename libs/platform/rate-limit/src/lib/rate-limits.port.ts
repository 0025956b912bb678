/** A budget of `points` per fixed window of `durationMs`, for one kind of key. */
export interface RateLimitPolicy {
  /** Names the budget; limiters of different names never share counters. */
  name: string;
  points: number;
  /** Window length in whole seconds' worth of milliseconds (Redis keys expire in seconds). */
  durationMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Points left in the current window. */
  remaining: number;
  /** When refused: how long until the window resets and a retry can succeed. 0 when allowed. */
  retryAfterMs: number;
}

/**
 * Counts events per key in fixed windows (rate-limiter-flexible underneath).
 *
 * Guarantees: `consume` never rejects because the store failed. An adapter whose store is shared
 * (Redis) falls back to a per-process budget of the same policy while the store is unreachable,
 * so an outage loosens limits to per-process ones instead of refusing or admitting everything.
 * Refused consumptions still count, so a client that keeps hammering stays refused.
 *
 * @example
 * const perUser = limits.limiter({ name: 'msg-user', points: 50, durationMs: 1_000 });
 * const { allowed, retryAfterMs } = await perUser.consume(userId);
 */
export abstract class RateLimiter {
  abstract consume(key: string, points?: number): Promise<RateLimitDecision>;
}

/** At most `max` holders per key at once; a holder not refreshed within `leaseMs` is dropped. */
export interface ConcurrencyPolicy {
  name: string;
  max: number;
  leaseMs: number;
}

export interface ConcurrencyDecision {
  allowed: boolean;
  /** Holders under the key after this call (including this one when allowed). */
  held: number;
}

export interface Lease {
  key: string;
  holder: string;
}

/**
 * Counts concurrent holders (e.g. open connections of one user across every edge).
 *
 * Guarantees: `acquire` admits at most `max` distinct holders per key and is idempotent per
 * holder; `release` of an unknown holder is a no-op. Holders are leases: one that is neither
 * released nor refreshed within `leaseMs` (its process crashed) stops counting, so crash
 * leftovers heal by themselves. Calls reject when the store fails; the caller decides whether
 * to fail open.
 *
 * @example
 * const connections = limits.concurrency({ name: 'conn-user', max: 10, leaseMs: 60_000 });
 * if (!(await connections.acquire(userId, socketId)).allowed) refuse();
 * setInterval(() => connections.refresh(openLeases), 20_000);
 * await connections.release(userId, socketId);
 */
export abstract class ConcurrencyLimiter {
  abstract acquire(key: string, holder: string): Promise<ConcurrencyDecision>;
  abstract release(key: string, holder: string): Promise<void>;
  /** Extends these leases by `leaseMs`; leases already dropped stay dropped. */
  abstract refresh(leases: readonly Lease[]): Promise<void>;
}

/** What {@link Admission.admit} decided; `slot` is null when the rate refused (no slot was taken then). */
export interface AdmissionDecision {
  rate: RateLimitDecision;
  slot: ConcurrencyDecision | null;
}

/**
 * A rate and a concurrency limit checked in one step, e.g. a new connection: the address's
 * connection rate, then (only when within it) one of the user's connection slots. Counters are
 * those of `limiter(rate)` and `concurrency(slots)` of the same policies, so both ways of
 * checking share every budget and lease.
 *
 * Guarantees: one step against the store (Redis: one script, one round trip); a refused rate
 * takes no slot; the slot behaves as {@link ConcurrencyLimiter.acquire} (release and refresh it
 * there). Rejects when the store fails, with nothing counted that the caller can tell: the caller
 * falls back to the separate calls (the limiter's insurance, its own fail-open choice for slots).
 *
 * @example
 * const connect = limits.admission(perIp, perUserSlots);
 * const { rate, slot } = await connect.admit(ip, userId, socketId);
 */
export abstract class Admission {
  abstract admit(rateKey: string, key: string, holder: string): Promise<AdmissionDecision>;
}

/**
 * Where limits are counted: one store shared by every process (Redis) or this process alone
 * (in-memory). Also the DI token provided by `RateLimitModule`.
 */
export abstract class RateLimits {
  abstract limiter(policy: RateLimitPolicy): RateLimiter;
  abstract concurrency(policy: ConcurrencyPolicy): ConcurrencyLimiter;
  abstract admission(rate: RateLimitPolicy, slots: ConcurrencyPolicy): Admission;
  /** Readiness: resolves when the store answers. */
  abstract ping(): Promise<void>;
  /** Releases the store's connection; idempotent. */
  abstract close(): Promise<void>;
}

/** Throws on a policy the stores cannot honour (rate-limiter-flexible counts in whole seconds). */
export function checkPolicy(policy: RateLimitPolicy | ConcurrencyPolicy): void {
  const fail = (why: string) => {
    throw new Error(`rate limit policy ${JSON.stringify(policy.name)}: ${why}`);
  };
  if (!/^[\w.-]+$/.test(policy.name)) fail('name must be letters, digits, _ . -');
  if ('points' in policy) {
    if (!Number.isInteger(policy.points) || policy.points < 1) fail('points must be a positive integer');
    if (!Number.isInteger(policy.durationMs / 1000) || policy.durationMs < 1000)
      fail('durationMs must be whole seconds');
  } else {
    if (!Number.isInteger(policy.max) || policy.max < 1) fail('max must be a positive integer');
    if (!Number.isInteger(policy.leaseMs) || policy.leaseMs < 1) fail('leaseMs must be a positive integer');
  }
}
