/**
 * Polls `predicate` until it returns true; rejects naming the timeout when it does not within
 * `timeoutMs`. A predicate that throws fails the wait at once.
 *
 * @example
 * await waitFor(() => received.length === 2);
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
