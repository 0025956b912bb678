import { retryWithBackoff } from './retry-with-backoff';

const policy = { attempts: 4, startingDelayMs: 1, maxDelayMs: 5 };
const failing = (until: number) => async (attempt: number) => {
  if (attempt < until) throw new Error(`failure ${attempt}`);
  return `done on ${attempt}`;
};

describe('retryWithBackoff', () => {
  it('retries until the work resolves, telling onRetry each error and the failures so far', async () => {
    const seen: [string, number][] = [];

    const result = await retryWithBackoff(failing(3), policy, (error, failures) => {
      seen.push([(error as Error).message, failures]);
    });

    expect(result).toBe('done on 3');
    expect(seen).toEqual([
      ['failure 1', 1],
      ['failure 2', 2],
    ]);
  });

  it('gives up after `attempts` tries with the last error, without an onRetry for the last failure', async () => {
    const tries: number[] = [];
    const retries: number[] = [];

    const run = retryWithBackoff(
      async (attempt) => {
        tries.push(attempt);
        throw new Error(`failure ${attempt}`);
      },
      policy,
      (_, failures) => void retries.push(failures),
    );

    await expect(run).rejects.toThrow('failure 4');
    expect(tries).toEqual([1, 2, 3, 4]);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('stops at once when onRetry returns false', async () => {
    const tries: number[] = [];

    const run = retryWithBackoff(
      async (attempt) => {
        tries.push(attempt);
        throw new Error('down');
      },
      { ...policy, attempts: Infinity },
      (_, failures) => failures < 2,
    );

    await expect(run).rejects.toThrow('down');
    expect(tries).toEqual([1, 2]);
  });
});
