/** A call of {@link coalesced}'s result starts a run or asks for one more. */
export interface CoalescedRun {
  (): void;
  /** Resolves once no run is in flight or asked for. */
  idle(): Promise<void>;
  /** Whether a call came during the run in flight, so one more run follows it. */
  again(): boolean;
}

/**
 * Runs `run` now, or, while a run is in flight, once more right after it, however many calls came
 * meanwhile: every call is followed by a whole run that started after it, and at most one run is
 * in flight. So a signal sent once per commit costs one round trip per round trip's worth of
 * commits, not one per commit. A failed run goes to `onError`; the call itself never throws.
 *
 * @example
 * const wake = coalesced(() => pool.query("SELECT pg_notify('outbox_public', '')").then(() => undefined), log);
 * wake(); wake(); wake(); // one statement now, one more once it is answered
 */
export function coalesced(run: () => Promise<void>, onError: (error: unknown) => void): CoalescedRun {
  let inFlight: Promise<void> | undefined;
  let again = false;
  const start = (): void => {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = (async () => {
      try {
        do {
          again = false;
          try {
            await run();
          } catch (error) {
            onError(error);
          }
        } while (again);
      } finally {
        // In the same turn as the last check of `again`: a call after it starts a run of its own.
        inFlight = undefined;
      }
    })();
  };
  return Object.assign(start, { idle: async () => await inFlight, again: () => again });
}
