/** How the client spaces its reconnection attempts. */
export interface BackoffPolicy {
  /** Ceiling of the first delay; each further attempt doubles the ceiling. */
  initialDelayMs: number;
  /** The ceiling never grows past this. */
  maxDelayMs: number;
  /** Consecutive failed attempts after which the client gives up (state `error`); unbounded when absent. */
  maxAttempts?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Exponential backoff with full jitter: a uniform delay in `[0, min(maxDelayMs, initialDelayMs × 2^attempt))`.
 * Full jitter spreads a crowd of clients that lost the same edge over the whole window, instead
 * of having them all return at the same instants.
 *
 * @param attempt 0 for the first retry after a failure or a lost connection.
 * @param random  a source in `[0, 1)`; injected so tests can pin it.
 * @example
 * fullJitterDelay(3, { initialDelayMs: 500, maxDelayMs: 30_000 }, Math.random) // somewhere in [0, 4000)
 */
export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = backoffCeiling(attempt, policy);
  const r = random();
  // A faulty random source must not break the bound.
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0;
  return Math.floor(unit * ceiling);
}

/** The upper bound of {@link fullJitterDelay} for an attempt. */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  // 2^30 × any sane initial delay already exceeds every sane maximum; stop before Infinity.
  const exponent = Math.min(Math.max(Math.floor(attempt), 0), 30);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
}

/** Problems with a policy, as readable lines; empty when it is usable. */
export function backoffProblems(policy: BackoffPolicy): string[] {
  const problems: string[] = [];
  if (!(Number.isFinite(policy.initialDelayMs) && policy.initialDelayMs > 0))
    problems.push('reconnect.initialDelayMs must be a positive number');
  if (!(Number.isFinite(policy.maxDelayMs) && policy.maxDelayMs >= policy.initialDelayMs))
    problems.push('reconnect.maxDelayMs must be a number >= initialDelayMs');
  if (policy.maxAttempts !== undefined && !(Number.isInteger(policy.maxAttempts) && policy.maxAttempts > 0))
    problems.push('reconnect.maxAttempts must be a positive integer when given');
  return problems;
}
