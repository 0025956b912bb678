import { RateLimiterMemory } from 'rate-limiter-flexible';
import { consumeWith } from '../consume-with';
import {
  Admission,
  AdmissionDecision,
  checkPolicy,
  ConcurrencyDecision,
  ConcurrencyLimiter,
  ConcurrencyPolicy,
  Lease,
  RateLimitDecision,
  RateLimiter,
  RateLimitPolicy,
  RateLimits,
} from '../rate-limits.port';

/** Per-process budgets (rate-limiter-flexible's memory store); counters expire with their window. */
export class InMemoryRateLimiter extends RateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(policy: RateLimitPolicy) {
    super();
    checkPolicy(policy);
    this.limiter = new RateLimiterMemory({
      keyPrefix: policy.name,
      points: policy.points,
      duration: policy.durationMs / 1000,
    });
  }

  consume(key: string, points = 1): Promise<RateLimitDecision> {
    return consumeWith(this.limiter, key, points);
  }
}

/** Leases held in a Map; expired ones are dropped whenever their key is touched. */
export class InMemoryConcurrencyLimiter extends ConcurrencyLimiter {
  private readonly leases = new Map<string, Map<string, number>>();

  constructor(
    private readonly policy: ConcurrencyPolicy,
    private readonly now: () => number = Date.now,
  ) {
    super();
    checkPolicy(policy);
  }

  async acquire(key: string, holder: string): Promise<ConcurrencyDecision> {
    const holders = this.live(key);
    if (!holders.has(holder) && holders.size >= this.policy.max) return { allowed: false, held: holders.size };
    holders.set(holder, this.now() + this.policy.leaseMs);
    this.leases.set(key, holders);
    return { allowed: true, held: holders.size };
  }

  async release(key: string, holder: string): Promise<void> {
    const holders = this.live(key);
    holders.delete(holder);
    if (holders.size === 0) this.leases.delete(key);
  }

  async refresh(leases: readonly Lease[]): Promise<void> {
    for (const { key, holder } of leases) {
      const holders = this.live(key);
      if (holders.has(holder)) holders.set(holder, this.now() + this.policy.leaseMs);
    }
  }

  private live(key: string): Map<string, number> {
    const holders = this.leases.get(key) ?? new Map<string, number>();
    const now = this.now();
    for (const [holder, expiresAt] of holders) if (expiresAt <= now) holders.delete(holder);
    return holders;
  }
}

/** The rate's limiter, then (only when it allows) the slots' limiter: nothing awaits in between but memory. */
class InMemoryAdmission extends Admission {
  constructor(
    private readonly rate: RateLimiter,
    private readonly slots: ConcurrencyLimiter,
  ) {
    super();
  }

  async admit(rateKey: string, key: string, holder: string): Promise<AdmissionDecision> {
    const rate = await this.rate.consume(rateKey);
    return { rate, slot: rate.allowed ? await this.slots.acquire(key, holder) : null };
  }
}

/**
 * Limits counted in this process only: for unit tests, one-process mode and per-connection
 * budgets. Limiters of one policy name share their counters, as they would in a shared store.
 */
export class InMemoryRateLimits extends RateLimits {
  private readonly limiters = new Map<string, { policy: string; limiter: RateLimiter }>();
  private readonly concurrencies = new Map<string, { policy: string; limiter: ConcurrencyLimiter }>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  limiter(policy: RateLimitPolicy): RateLimiter {
    return shared(this.limiters, policy, () => new InMemoryRateLimiter(policy));
  }

  concurrency(policy: ConcurrencyPolicy): ConcurrencyLimiter {
    return shared(this.concurrencies, policy, () => new InMemoryConcurrencyLimiter(policy, this.now));
  }

  admission(rate: RateLimitPolicy, slots: ConcurrencyPolicy): Admission {
    return new InMemoryAdmission(this.limiter(rate), this.concurrency(slots));
  }

  async ping(): Promise<void> {
    // nothing to reach
  }

  async close(): Promise<void> {
    // nothing to release
  }
}

function shared<P extends { name: string }, L>(
  registry: Map<string, { policy: string; limiter: L }>,
  policy: P,
  create: () => L,
): L {
  const existing = registry.get(policy.name);
  const described = JSON.stringify(policy);
  if (existing && existing.policy !== described)
    throw new Error(`rate limit policy ${JSON.stringify(policy.name)} is already defined differently`);
  if (existing) return existing.limiter;
  const limiter = create();
  registry.set(policy.name, { policy: described, limiter });
  return limiter;
}
