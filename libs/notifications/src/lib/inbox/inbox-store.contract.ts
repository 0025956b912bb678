import { InboxNotification } from '@shopnest/contracts';
import { v7 as uuidv7 } from 'uuid';
import { InboxStore } from './inbox-store.port';

/** A fresh, empty store for one test; `close` empties or releases it. */
export interface InboxStoreUnderTest {
  store: InboxStore;
  close(): Promise<void>;
}

/** A `notification.order_status` as the worker keeps it, with a fresh event id. */
export function testNotification(text = 'Your order is confirmed', subject = 'o-1'): InboxNotification {
  return {
    eventId: uuidv7(),
    type: 'notification.order_status',
    text,
    subject,
    time: new Date().toISOString(),
    data: { orderId: subject, status: 'confirmed', text },
  };
}

/**
 * The contract every {@link InboxStore} passes: PGlite (unit tests) and the PostgreSQL server
 * (int-test) run this same suite.
 *
 * @example
 * describeInboxStoreContract('PGlite', async () => ({ store: new SqlInboxStore(db), close: () => db.exec('TRUNCATE inbox_items') }));
 */
export function describeInboxStoreContract(name: string, open: () => Promise<InboxStoreUnderTest>): void {
  describe(`inbox store contract: ${name}`, () => {
    let under: InboxStoreUnderTest;
    let store: InboxStore;

    // Generous: the first open may start a database (PGlite compiles WebAssembly).
    beforeEach(async () => {
      under = await open();
      ({ store } = under);
    }, 60_000);
    afterEach(() => under.close());

    const addAll = async (userId: string, count: number) => {
      const items = [];
      for (let i = 0; i < count; i++) items.push(await store.add(userId, testNotification(`n${i}`)));
      return items.map((item) => {
        if (!item) throw new Error('not added');
        return item;
      });
    };

    it('adds an item once per user and event: the redelivered event gives null and changes nothing', async () => {
      const notification = testNotification();
      const first = await store.add('u-1', notification);
      expect(first).toMatchObject({
        notification,
        seenAt: null,
        readAt: null,
        archivedAt: null,
      });
      await store.update('u-1', first?.id as string, { read: true });
      await expect(store.add('u-1', notification)).resolves.toBeNull();
      const { items } = await store.list('u-1', { limit: 10 });
      expect(items).toHaveLength(1);
      expect(items[0]?.readAt).not.toBeNull();
      // Found by its event, as it now is; not for another user, nor for an event never added.
      await expect(store.findByEvent('u-1', notification.eventId)).resolves.toEqual(items[0]);
      await expect(store.findByEvent('u-2', notification.eventId)).resolves.toBeNull();
      await expect(store.findByEvent('u-1', testNotification().eventId)).resolves.toBeNull();
      // Another user told of the same event has an item of their own.
      await expect(store.add('u-2', notification)).resolves.not.toBeNull();
    });

    it('adds many at once, each exactly once: an event given twice in the same moment gives one item and one null', async () => {
      const notifications = Array.from({ length: 40 }, (_, i) => testNotification(`burst ${i}`));
      const twice = notifications[7] as InboxNotification;

      const added = await Promise.all([
        ...notifications.map((notification, i) => store.add(`u-burst-${i % 4}`, notification)),
        store.add('u-burst-3', twice),
      ]);

      expect(added.slice(0, 40).map((item) => item?.notification.text)).toEqual(notifications.map((n) => n.text));
      expect(added[40]).toBeNull();
      const listed = await Promise.all([0, 1, 2, 3].map((u) => store.list(`u-burst-${u}`, { limit: 50 })));
      expect(listed.map((page) => page.items.length)).toEqual([10, 10, 10, 10]);
      expect(new Set(added.slice(0, 40).map((item) => item?.id)).size).toBe(40);
    });

    it('fails only the add whose row the database refuses, not those sent with it', async () => {
      const refused = testNotification('a NUL byte \u0000 no text column takes');

      const outcomes = await Promise.allSettled([
        store.add('u-mixed', testNotification('first')),
        store.add('u-mixed', testNotification('second')),
        store.add('u-mixed', refused),
        store.add('u-mixed', testNotification('third')),
      ]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const { items } = await store.list('u-mixed', { limit: 10 });
      expect(items.map((item) => item.notification.text)).toEqual(['third', 'second', 'first']);
    });

    it('lists newest first in pages that a cursor continues, without repeats or gaps', async () => {
      const added = await addAll('u-1', 5);
      await addAll('u-2', 2);
      const first = await store.list('u-1', { limit: 2 });
      expect(first.items.map((i) => i.notification.text)).toEqual(['n4', 'n3']);
      const second = await store.list('u-1', { limit: 2, cursor: first.nextCursor as string });
      const third = await store.list('u-1', { limit: 2, cursor: second.nextCursor as string });
      expect([...first.items, ...second.items, ...third.items].map((i) => i.id)).toEqual(
        added.map((i) => i.id).reverse(),
      );
      expect(third.nextCursor).toBeNull();
    });

    it('filters unread, unseen, archived and all; the default leaves archived items out', async () => {
      const [a, b, c] = await addAll('u-1', 3);
      await store.update('u-1', a?.id as string, { read: true });
      await store.update('u-1', b?.id as string, { seen: true });
      await store.update('u-1', c?.id as string, { archived: true });
      const texts = async (filter?: 'unread' | 'unseen' | 'archived' | 'all') =>
        (await store.list('u-1', { limit: 10, filter })).items.map((i) => i.notification.text);
      await expect(texts()).resolves.toEqual(['n1', 'n0']);
      await expect(texts('unread')).resolves.toEqual(['n1']);
      await expect(texts('unseen')).resolves.toEqual([]);
      await expect(texts('archived')).resolves.toEqual(['n2']);
      await expect(texts('all')).resolves.toEqual(['n2', 'n1', 'n0']);
    });

    it('counts unseen and unread items, archived ones left out; reading marks seen, unreading keeps it', async () => {
      const [a, b] = await addAll('u-1', 3);
      await expect(store.counts('u-1')).resolves.toEqual({ unseen: 3, unread: 3 });
      const read = await store.update('u-1', a?.id as string, { read: true });
      expect(read?.changed).toBe(true);
      expect(read?.item.seenAt).toEqual(read?.item.readAt);
      await expect(store.counts('u-1')).resolves.toEqual({ unseen: 2, unread: 2 });
      const unread = await store.update('u-1', a?.id as string, { read: false });
      expect(unread?.item).toMatchObject({ readAt: null, seenAt: read?.item.seenAt });
      await store.update('u-1', b?.id as string, { archived: true });
      await expect(store.counts('u-1')).resolves.toEqual({ unseen: 1, unread: 2 });
      await expect(store.counts('nobody')).resolves.toEqual({ unseen: 0, unread: 0 });
    });

    it('reports an update that changes nothing, and keeps the first time of a repeated mark', async () => {
      const [a] = await addAll('u-1', 1);
      const id = a?.id as string;
      const first = await store.update('u-1', id, { read: true }, new Date('2030-01-01T00:00:00Z'));
      const again = await store.update('u-1', id, { read: true, seen: true }, new Date('2030-01-02T00:00:00Z'));
      expect(again).toEqual({ item: first?.item, changed: false });
      expect(again?.item.readAt).toBe('2030-01-01T00:00:00.000Z');
    });

    it('treats another user’s item exactly as a missing one', async () => {
      const [a] = await addAll('u-1', 1);
      const id = a?.id as string;
      await expect(store.get('u-2', id)).resolves.toBeNull();
      await expect(store.update('u-2', id, { read: true })).resolves.toBeNull();
      await expect(store.update('u-1', uuidv7(), { read: true })).resolves.toBeNull();
      await expect(store.get('u-1', id)).resolves.toMatchObject({ readAt: null });
    });

    it('marks all read (and seen) or all seen, for one user only', async () => {
      await addAll('u-1', 3);
      await addAll('u-2', 1);
      await expect(store.markAllSeen('u-1')).resolves.toBe(3);
      await expect(store.counts('u-1')).resolves.toEqual({ unseen: 0, unread: 3 });
      await expect(store.markAllRead('u-1')).resolves.toBe(3);
      await expect(store.markAllRead('u-1')).resolves.toBe(0);
      await expect(store.counts('u-1')).resolves.toEqual({ unseen: 0, unread: 0 });
      await expect(store.counts('u-2')).resolves.toEqual({ unseen: 1, unread: 1 });
    });

    it('prunes items older than the cut-off, oldest first, at most a batch at a time', async () => {
      const day = 86_400_000;
      const base = Date.parse('2030-01-10T00:00:00Z');
      for (let i = 0; i < 5; i++) await store.add('u-1', testNotification(`old${i}`), new Date(base - (10 - i) * day));
      await store.add('u-1', testNotification('new'), new Date(base));
      await expect(store.prune(new Date(base - day), 3)).resolves.toBe(3);
      const left = async () =>
        (await store.list('u-1', { limit: 10, filter: 'all' })).items.map((i) => i.notification.text);
      await expect(left()).resolves.toEqual(['new', 'old4', 'old3']);
      await expect(store.prune(new Date(base - day), 3)).resolves.toBe(2);
      await expect(left()).resolves.toEqual(['new']);
    });
  });
}
