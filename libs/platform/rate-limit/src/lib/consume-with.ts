import { RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitDecision } from './rate-limits.port';

// rate-limiter-flexible glue shared by both adapters, so neither imports the other.

/** A rate-limiter-flexible result (or refusal) as a {@link RateLimitDecision}. */
export function decisionOf(result: RateLimiterRes, allowed: boolean): RateLimitDecision {
  return { allowed, remaining: result.remainingPoints, retryAfterMs: allowed ? 0 : Math.max(1, result.msBeforeNext) };
}

/** Runs a rate-limiter-flexible `consume`, which rejects with its result when the budget is spent. */
export async function consumeWith(
  limiter: { consume(key: string, points?: number): Promise<RateLimiterRes> },
  key: string,
  points: number,
): Promise<RateLimitDecision> {
  try {
    return decisionOf(await limiter.consume(key, points), true);
  } catch (error) {
    if (error instanceof RateLimiterRes) return decisionOf(error, false);
    throw error;
  }
}
