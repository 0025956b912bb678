import { describe, expect, it } from '@jest/globals';
import { coalesced } from './coalesced';

/** A run the test finishes by hand, recording when each one started. */
function manualRuns() {
  const finishers: Array<(error?: Error) => void> = [];
  const run = () =>
    new Promise<void>((resolve, reject) => finishers.push((error) => (error ? reject(error) : resolve())));
  return { run, finishers };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesced', () => {
  it('runs at once, and calls during a run make exactly one more run after it', async () => {
    const { run, finishers } = manualRuns();
    const wake = coalesced(run, () => undefined);

    wake();
    expect(wake.again()).toBe(false);
    wake();
    wake();
    expect(finishers).toHaveLength(1);
    expect(wake.again()).toBe(true);

    finishers[0]?.();
    await turn();
    expect(finishers).toHaveLength(2);
    expect(wake.again()).toBe(false);

    finishers[1]?.();
    await wake.idle();
    expect(finishers).toHaveLength(2);
  });

  it('starts a new run for a call after the last one ended', async () => {
    const { run, finishers } = manualRuns();
    const wake = coalesced(run, () => undefined);

    wake();
    finishers[0]?.();
    await wake.idle();
    wake();

    expect(finishers).toHaveLength(2);
  });

  it('hands a failed run to onError and still runs once more for a call made during it', async () => {
    const { run, finishers } = manualRuns();
    const errors: unknown[] = [];
    const wake = coalesced(run, (error) => errors.push(error));

    wake();
    wake();
    finishers[0]?.(new Error('database away'));
    await turn();
    finishers[1]?.();
    await wake.idle();

    expect(errors).toEqual([new Error('database away')]);
    expect(finishers).toHaveLength(2);
  });

  it('hands a run that throws before its promise to onError, never to the caller', async () => {
    const errors: unknown[] = [];
    const wake = coalesced(
      () => {
        throw new Error('at once');
      },
      (error) => errors.push(error),
    );

    expect(() => wake()).not.toThrow();
    await wake.idle();

    expect(errors).toEqual([new Error('at once')]);
  });
});
