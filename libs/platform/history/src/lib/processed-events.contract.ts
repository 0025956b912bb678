import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ProcessedEvents } from './processed-events.port';

/**
 * The behaviour every {@link ProcessedEvents} adapter must show. `factory(ttlMs)` builds one that
 * remembers ids for `ttlMs`.
 *
 * @example
 * describeProcessedEventsContract('in-memory', async (ttlMs) => new InMemoryProcessedEvents(ttlMs));
 */
export function describeProcessedEventsContract(
  name: string,
  factory: (ttlMs: number) => Promise<ProcessedEvents>,
): void {
  describe(`ProcessedEvents contract: ${name}`, () => {
    const open: ProcessedEvents[] = [];
    const make = async (ttlMs: number) => {
      const store = await factory(ttlMs);
      open.push(store);
      return store;
    };

    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });

    it('remembers an added id, and only that id', async () => {
      const store = await make(60_000);
      const [seen, unseen] = [randomUUID(), randomUUID()];

      await store.add(seen);

      expect(await store.has(seen)).toBe(true);
      expect(await store.has(unseen)).toBe(false);
    });

    it('forgets an id after its TTL', async () => {
      const store = await make(200);
      const id = randomUUID();
      await store.add(id);

      const deadline = Date.now() + 5_000;
      while ((await store.has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

      expect(await store.has(id)).toBe(false);
    });

    it('closes idempotently and refuses work afterwards', async () => {
      const store = await make(60_000);
      await store.close();
      await store.close();
      await expect(store.has(randomUUID())).rejects.toThrow(/closed/);
    });
  });
}
