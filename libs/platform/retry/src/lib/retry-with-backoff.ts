import { backOff } from 'exponential-backoff';

/**
 * How a failing piece of work is tried again: exponential backoff with full jitter, the wait
 * before retry n drawn at random from [0, min(maxDelayMs, startingDelayMs·2ⁿ⁻¹)].
 */
export interface BackoffPolicy {
  /** Tries in all, the first included; `Infinity` retries until `onRetry` returns false. */
  attempts: number;
  startingDelayMs: number;
  maxDelayMs: number;
}

/**
 * Runs `work` until it resolves, retrying failures as `policy` says (exponential-backoff's
 * `backOff`, the one backoff of the services). `onRetry` runs after a failed try that will be
 * retried, with its error and the failures so far (for logs and metrics); returning (or resolving
 * to) false gives up at once. Rejects with the last error when it gives up or the tries run out.
 *
 * A wait already begun is not cut short (the library's timer is not cancellable): a caller that
 * stops should make `work` return at once when it runs after the stop.
 *
 * @example
 * await retryWithBackoff(() => publisher.publish(channel, event), { attempts: 5, startingDelayMs: 100, maxDelayMs: 5_000 }, (error, failures) => {
 *   logger.warn(`publish failed ${failures}x; retrying: ${error}`);
 *   return !stopping;
 * });
 */
export function retryWithBackoff<T>(
  work: (attempt: number) => Promise<T>,
  policy: BackoffPolicy,
  onRetry?: (error: unknown, failures: number) => boolean | void | Promise<boolean | void>,
): Promise<T> {
  let attempt = 0;
  return backOff(() => work(++attempt), {
    numOfAttempts: policy.attempts,
    startingDelay: policy.startingDelayMs,
    timeMultiple: 2,
    maxDelay: policy.maxDelayMs,
    jitter: 'full',
    // exponential-backoff calls this after every failure, the last one included.
    retry: async (error: unknown, failures: number) =>
      failures < policy.attempts && (await onRetry?.(error, failures)) !== false,
  });
}
