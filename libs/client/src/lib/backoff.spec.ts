import { backoffCeiling, backoffProblems, fullJitterDelay } from './backoff';

/** A seeded PRNG (mulberry32), so the sample is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fullJitterDelay', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 5_000 };

  it('doubles the ceiling per attempt up to maxDelayMs', () => {
    expect([0, 1, 2, 3, 5, 6, 50, 5000].map((n) => backoffCeiling(n, policy))).toEqual([
      100, 200, 400, 800, 3200, 5000, 5000, 5000,
    ]);
  });

  it('draws every delay from [0, ceiling) and uses the whole window (full jitter)', () => {
    const random = seeded(42);
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = backoffCeiling(attempt, policy);
      const delays = Array.from({ length: 500 }, () => fullJitterDelay(attempt, policy, random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      // Full jitter, not "ceiling/2 + jitter": both ends of the window are reached.
      expect(Math.min(...delays)).toBeLessThan(ceiling * 0.05);
      expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.95);
    }
  });

  it('is the random fraction of the ceiling, so a pinned source gives an exact delay', () => {
    expect(fullJitterDelay(2, policy, () => 0.5)).toBe(200);
    expect(fullJitterDelay(0, policy, () => 0)).toBe(0);
  });

  it('stays within bounds when the random source misbehaves', () => {
    expect(fullJitterDelay(1, policy, () => 1)).toBeLessThan(200);
    expect(fullJitterDelay(1, policy, () => 7)).toBeLessThan(200);
    expect(fullJitterDelay(1, policy, () => -3)).toBe(0);
    expect(fullJitterDelay(1, policy, () => Number.NaN)).toBe(0);
  });

  it('names every bad policy field', () => {
    expect(backoffProblems(policy)).toEqual([]);
    expect(backoffProblems({ initialDelayMs: 0, maxDelayMs: -1, maxAttempts: 1.5 })).toEqual([
      'reconnect.initialDelayMs must be a positive number',
      'reconnect.maxDelayMs must be a number >= initialDelayMs',
      'reconnect.maxAttempts must be a positive integer when given',
    ]);
  });
});
