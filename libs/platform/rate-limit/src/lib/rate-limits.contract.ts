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

    describe('admission', () => {
      const rate = (name: string, points: number) => ({ name: `${name}-rate`, points, durationMs: 5_000 });
      const slots = (name: string, max: number) => ({ name: `${name}-slots`, max, leaseMs: 30_000 });

      it('consumes the rate, then takes a slot; a refused rate takes none', async () => {
        const admission = limits.admission(rate('adm', 2), slots('adm', 5));
        const [ip, user] = [key(), key()];
        expect(await admission.admit(ip, user, 'h1')).toEqual({
          rate: { allowed: true, remaining: 1, retryAfterMs: 0 },
          slot: { allowed: true, held: 1 },
        });
        expect((await admission.admit(ip, user, 'h2')).slot).toEqual({ allowed: true, held: 2 });
        const refused = await admission.admit(ip, user, 'h3');
        expect(refused.rate.allowed).toBe(false);
        expect(refused.rate.retryAfterMs).toBeGreaterThan(0);
        expect(refused.slot).toBeNull();
        const counted = limits.concurrency(slots('adm', 5));
        expect(await counted.acquire(user, 'h4')).toEqual({ allowed: true, held: 3 }); // h3 took no slot
      });

      it('refuses the slot beyond `max`, and shares budgets and leases with the separate limiters', async () => {
        const admission = limits.admission(rate('share', 3), slots('share', 1));
        const [limiter, concurrency] = [limits.limiter(rate('share', 3)), limits.concurrency(slots('share', 1))];
        const [ip, user] = [key(), key()];
        await limiter.consume(ip);
        expect(await admission.admit(ip, user, 'h1')).toMatchObject({ slot: { allowed: true, held: 1 } });
        expect(await admission.admit(ip, user, 'h2')).toMatchObject({
          rate: { allowed: true, remaining: 0 },
          slot: { allowed: false, held: 1 },
        });
        expect((await limiter.consume(ip)).allowed).toBe(false);
        expect((await concurrency.acquire(user, 'h3')).allowed).toBe(false);
        await concurrency.release(user, 'h1');
        expect((await concurrency.acquire(user, 'h3')).allowed).toBe(true);
      });

      it('admits exactly `max` of many concurrent connections of one user', async () => {
        const admission = limits.admission(rate('crowd', 100), slots('crowd', 3));
        const user = key();
        const decisions = await Promise.all(
          Array.from({ length: 12 }, (_, i) => admission.admit(key(), user, `h${i}`)),
        );
        expect(decisions.filter((d) => d.slot?.allowed)).toHaveLength(3);
      });
    });
  });
}
