import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Envelope } from '@shopnest/contracts';
import { randomUUID } from 'node:crypto';
import { testEnvelope, uniqueName } from '@shopnest/testing';
import { ChannelHistory, HistoryLimits } from './channel-history.port';

export interface ChannelHistoryFixture {
  history: ChannelHistory;
  /** Orders two offsets of one channel (`compareOffsets`). */
  compare: (a: string, b: string) => number;
  /** Runs after `history.close()`. */
  cleanup?: () => Promise<void>;
}

/** How long the age test lets events grow old; both adapters use the real clock here. */
const SHORT_AGE_MS = 400;

/**
 * The behaviour every {@link ChannelHistory} adapter must show (the factory builds one with exactly the limits asked); run it once per adapter, the Redis one
 * against a real server with a unique key prefix. Each test uses its own channel names.
 *
 * @example
 * describeChannelHistoryContract('in-memory', async (limits) => ({ history: new InMemoryHistory(limits), compare: compareOffsets }));
 */
export function describeChannelHistoryContract(
  name: string,
  factory: (limits: HistoryLimits) => Promise<ChannelHistoryFixture>,
): void {
  describe(`ChannelHistory contract: ${name}`, () => {
    const open: ChannelHistoryFixture[] = [];
    let history: ChannelHistory;
    let compare: (a: string, b: string) => number;

    const withLimits = async (limits: Partial<HistoryLimits>) => {
      const fx = await factory({ maxLength: 100, maxAgeMs: 60_000, dedupeTtlMs: 60_000, ...limits });
      open.push(fx);
      return fx.history;
    };
    const channel = () => `order:${uniqueName('c').replace(/\./g, '_')}`;
    const events = (subject: string, count: number) =>
      Array.from({ length: count }, (_, i) => testEnvelope(subject, i));
    const appendAll = async (h: ChannelHistory, c: string, list: Envelope[]) => {
      const offsets: string[] = [];
      for (const event of list) offsets.push(await h.append(c, event));
      return offsets;
    };

    beforeEach(async () => {
      const fx = await factory({ maxLength: 100, maxAgeMs: 60_000, dedupeTtlMs: 60_000 });
      open.push(fx);
      history = fx.history;
      compare = fx.compare;
    });

    afterEach(async () => {
      for (const fx of open.splice(0)) {
        await fx.history.close();
        await fx.cleanup?.();
      }
    });

    it('returns strictly increasing offsets, and reads every event back in append order, deep-equal', async () => {
      const c = channel();
      const list = [
        testEnvelope('o', 0, { text: 'ünï 🚚', nested: { list: [1, null, 'x'] } }),
        ...events('o', 20).slice(1),
      ];

      const offsets = await appendAll(history, c, list);
      const read = await history.readSince(c);

      for (let i = 1; i < offsets.length; i++)
        expect(compare(offsets[i - 1] as string, offsets[i] as string)).toBeLessThan(0);
      expect(read).toEqual({ recovered: true, events: list.map((event, i) => ({ offset: offsets[i], event })) });
    });

    it('reads exactly the events after `since`, recovered; nothing after the newest', async () => {
      const c = channel();
      const list = events('o', 6);
      const offsets = await appendAll(history, c, list);

      const afterSecond = await history.readSince(c, offsets[1]);
      const afterLast = await history.readSince(c, offsets[5]);

      expect(afterSecond.recovered).toBe(true);
      expect(afterSecond.events.map((e) => e.event.id)).toEqual(list.slice(2).map((e) => e.id));
      expect(afterSecond.events.map((e) => e.offset)).toEqual(offsets.slice(2));
      expect(afterLast).toEqual({ events: [], recovered: true });
    });

    it('keeps channels apart', async () => {
      const [a, b] = [channel(), channel()];
      const [ea, eb] = [testEnvelope('a', 0), testEnvelope('b', 0)];
      await history.append(a, ea);
      await history.append(b, eb);

      expect((await history.readSince(a)).events.map((e) => e.event.id)).toEqual([ea.id]);
      expect((await history.readSince(b)).events.map((e) => e.event.id)).toEqual([eb.id]);
    });

    it('appends an event id once: a second append returns the first offset and adds nothing', async () => {
      const c = channel();
      const [first, second] = events('o', 2);
      const offset = await history.append(c, first as Envelope);
      await history.append(c, second as Envelope);

      const again = await history.append(c, { ...(first as Envelope) });
      const concurrent = await Promise.all([
        history.append(c, second as Envelope),
        history.append(c, second as Envelope),
      ]);

      expect(again).toBe(offset);
      expect(new Set(concurrent).size).toBe(1);
      expect((await history.readSince(c)).events.map((e) => e.event.id)).toEqual([first?.id, second?.id]);
    });

    it('caps a channel at maxLength, and says recovered: false for a `since` that fell out', async () => {
      const h = await withLimits({ maxLength: 5 });
      const c = channel();
      const list = events('o', 8);
      const offsets = await appendAll(h, c, list);
      const kept = list.slice(3).map((e) => e.id);

      const all = await h.readSince(c);
      const tooOld = await h.readSince(c, offsets[1]);
      const oldestKept = await h.readSince(c, offsets[3]);

      expect(all.events.map((e) => e.event.id)).toEqual(kept);
      expect(tooOld.recovered).toBe(false);
      expect(tooOld.events.map((e) => e.event.id)).toEqual(kept); // what is still there, for the caller to use or not
      expect(oldestKept.recovered).toBe(true);
      expect(oldestKept.events.map((e) => e.event.id)).toEqual(kept.slice(1));
    });

    it('trims events older than maxAge on the next append', async () => {
      const h = await withLimits({ maxAgeMs: SHORT_AGE_MS });
      const c = channel();
      const old = testEnvelope('o', 0);
      const oldOffset = await h.append(c, old);
      // Lets the first event grow older than maxAge: part of the setup, not an assertion on time.
      await new Promise((resolve) => setTimeout(resolve, SHORT_AGE_MS + 150));
      const fresh = testEnvelope('o', 1);
      await h.append(c, fresh);

      const read = await h.readSince(c, oldOffset);

      expect((await h.readSince(c)).events.map((e) => e.event.id)).toEqual([fresh.id]);
      expect(read.recovered).toBe(false);
    });

    it('answers not recovered for a `since` that is no offset, or on a channel with nothing kept', async () => {
      const c = channel();
      const [event] = events('o', 1);
      await history.append(c, event as Envelope);

      expect(await history.readSince(c, 'not-an-offset')).toEqual({
        recovered: false,
        events: [expect.objectContaining({ event })],
      });
      expect(await history.readSince(channel(), '1700000000000-0')).toEqual({ recovered: false, events: [] });
      expect(await history.readSince(channel())).toEqual({ recovered: true, events: [] });
    });

    it('gives the latest kept event, or null', async () => {
      const c = channel();
      expect(await history.latest(c)).toBeNull();
      const offsets = await appendAll(history, c, events('o', 3));

      const latest = await history.latest(c);

      expect(latest?.offset).toBe(offsets[2]);
      expect(latest?.event.sequence).toBe(2);
    });

    it('keeps only the latest volatile event, outside the offset sequence', async () => {
      const c = channel();
      const kept = testEnvelope('o', 0);
      await history.append(c, kept);
      expect(await history.latestVolatile(c)).toBeNull();

      const positions = events('o', 3).map((e) => ({ ...e, id: randomUUID(), type: 'order.location_updated' }));
      for (const position of positions) await history.keepLatestVolatile(c, position);

      expect(await history.latestVolatile(c)).toEqual(positions[2]);
      expect((await history.readSince(c)).events.map((e) => e.event.id)).toEqual([kept.id]);
      expect((await history.latest(c))?.event.id).toBe(kept.id);
    });

    it('closes idempotently and refuses work afterwards', async () => {
      await history.close();
      await history.close();

      await expect(history.append(channel(), testEnvelope('o', 0))).rejects.toThrow(/closed/);
      await expect(history.readSince(channel())).rejects.toThrow(/closed/);
    });
  });
}
