import { waitFor } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { RateLimits } from './rate-limits.port';

/**
 * The behaviour every {@link RateLimits} store shares; run against each adapter (the Redis one
 * against real Redis). `create` gets a unique key prefix so runs never share counters.
 */
export function describeRateLimitsContract(name: string, create: (keyPrefix: string) => Promise<RateLimits>): void {
  describe(`RateLimits contract: ${name}`, () => {
    let limits: RateLimits;
    const key = () => `k-${randomUUID()}`;

    beforeAll(async () => {
      limits = await create(`test:${randomUUID()}:`);
    });

    afterAll(async () => {
      await limits?.close();
    });

    it('answers ping', async () => {
      await expect(limits.ping()).resolves.toBeUndefined();
    });

    describe('limiter', () => {
      it('allows `points` per window, then refuses with the time until the window resets', async () => {
        const limiter = limits.limiter({ name: 'burst', points: 3, durationMs: 2_000 });
        const k = key();
        const decisions = [];
        for (let i = 0; i < 4; i++) decisions.push(await limiter.consume(k));
        expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
        expect(decisions[2]).toMatchObject({ remaining: 0, retryAfterMs: 0 });
        expect(decisions[3].retryAfterMs).toBeGreaterThan(0);
        expect(decisions[3].retryAfterMs).toBeLessThanOrEqual(2_000);
      });

      it('keeps keys and policy names apart', async () => {
        const a = limits.limiter({ name: 'apart-a', points: 1, durationMs: 1_000 });
        const b = limits.limiter({ name: 'apart-b', points: 1, durationMs: 1_000 });
        const k = key();
        expect((await a.consume(k)).allowed).toBe(true);
        expect((await a.consume(k)).allowed).toBe(false);
        expect((await a.consume(key())).allowed).toBe(true);
        expect((await b.consume(k)).allowed).toBe(true);
      });

      it('counts concurrent consumptions exactly', async () => {
        const limiter = limits.limiter({ name: 'race', points: 10, durationMs: 5_000 });
        const k = key();
        const decisions = await Promise.all(Array.from({ length: 25 }, () => limiter.consume(k)));
        expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      });

      it('shares budgets between limiter instances of one policy (as between processes)', async () => {
        const policy = { name: 'shared', points: 2, durationMs: 2_000 };
        const [one, two] = [limits.limiter(policy), limits.limiter(policy)];
        const k = key();
        await one.consume(k);
        await two.consume(k);
        expect((await one.consume(k)).allowed).toBe(false);
      });

      it('allows again once the window has passed', async () => {
        const limiter = limits.limiter({ name: 'window', points: 1, durationMs: 1_000 });
        const k = key();
        await limiter.consume(k);
        expect((await limiter.consume(k)).allowed).toBe(false);
        await waitFor(async () => (await limiter.consume(k)).allowed, 5_000, 100);
      });

      it('refuses a policy the stores cannot honour', () => {
        expect(() => limits.limiter({ name: 'odd', points: 1, durationMs: 1_500 })).toThrow(/whole seconds/);
        expect(() => limits.limiter({ name: 'has space', points: 1, durationMs: 1_000 })).toThrow(/name/);
      });
    });

    describe('concurrency', () => {
      it('admits at most `max` holders, idempotently per holder, and frees a slot on release', async () => {
        const slots = limits.concurrency({ name: 'slots', max: 2, leaseMs: 30_000 });
        const k = key();
        expect(await slots.acquire(k, 'h1')).toEqual({ allowed: true, held: 1 });
        expect(await slots.acquire(k, 'h1')).toEqual({ allowed: true, held: 1 });
        expect(await slots.acquire(k, 'h2')).toEqual({ allowed: true, held: 2 });
        expect(await slots.acquire(k, 'h3')).toEqual({ allowed: false, held: 2 });
        expect((await slots.acquire(key(), 'h3')).allowed).toBe(true);
        await slots.release(k, 'h1');
        await slots.release(k, 'never-held');
        expect(await slots.acquire(k, 'h3')).toEqual({ allowed: true, held: 2 });
      });

      it('admits exactly `max` of many concurrent acquirers', async () => {
        const slots = limits.concurrency({ name: 'crowd', max: 3, leaseMs: 30_000 });
        const k = key();
        const decisions = await Promise.all(Array.from({ length: 12 }, (_, i) => slots.acquire(k, `h${i}`)));
        expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
      });

      it('drops a holder that is neither released nor refreshed within its lease (a crashed process)', async () => {
        const slots = limits.concurrency({ name: 'lease', max: 1, leaseMs: 400 });
        const k = key();
        await slots.acquire(k, 'crashed');
        expect((await slots.acquire(k, 'next')).allowed).toBe(false);
        await waitFor(async () => (await slots.acquire(k, 'next')).allowed, 5_000, 50);
      });

      it('keeps a refreshed holder past its first lease', async () => {
        const slots = limits.concurrency({ name: 'refresh', max: 1, leaseMs: 600 });
        const k = key();
        await slots.acquire(k, 'alive');
        const deadline = Date.now() + 1_500;
        while (Date.now() < deadline) {
          await slots.refresh([{ key: k, holder: 'alive' }]);
          expect((await slots.acquire(k, 'other')).allowed).toBe(false);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });

      it('does not resurrect a released holder on refresh', async () => {
        const slots = limits.concurrency({ name: 'gone', max: 1, leaseMs: 30_000 });
        const k = key();
        await slots.acquire(k, 'h1');
        await slots.release(k, 'h1');
        await slots.refresh([{ key: k, holder: 'h1' }]);
        expect((await slots.acquire(k, 'h2')).allowed).toBe(true);
      });
    });
  });
}
