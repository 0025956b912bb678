import { randomUUID } from 'node:crypto';
import { Presence, PresenceConnection } from './presence.port';

/** The lease length the suite runs with: short, so lapses are observable in a test. */
export const CONTRACT_TTL_MS = 400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every {@link Presence} store shares; run against each adapter (the Redis one against
 * real Redis). `create` gets a unique key prefix and the TTL; calling it twice with one prefix must
 * give two stores that share members (two edges), or `shared: false` for a per-process store.
 */
export function describePresenceContract(
  name: string,
  create: (keyPrefix: string, ttlMs: number) => Promise<Presence>,
  { shared }: { shared: boolean },
): void {
  describe(`Presence contract: ${name}`, () => {
    let keyPrefix: string;
    let presence: Presence;
    const opened: Presence[] = [];
    const open = async () => {
      const store = await create(keyPrefix, CONTRACT_TTL_MS);
      opened.push(store);
      return store;
    };
    const channel = () => `ticket:${randomUUID()}`;
    const conn = (ch: string, userId: string, connectionId: string = randomUUID()): PresenceConnection => ({
      channel: ch,
      userId,
      connectionId,
    });

    beforeEach(async () => {
      keyPrefix = `test:${randomUUID()}:`;
      presence = await open();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('answers ping and tells its TTL', async () => {
      await expect(presence.ping()).resolves.toBeUndefined();
      expect(presence.ttlMs).toBe(CONTRACT_TTL_MS);
    });

    it('counts a user once however many connections they hold, and reports only the first join and the last leave', async () => {
      const ch = channel();
      const [tab1, tab2] = [conn(ch, 'alice'), conn(ch, 'alice')];
      await expect(presence.join(tab1, { roles: ['customer'] })).resolves.toEqual({
        joined: true,
        member: { userId: 'alice', roles: ['customer'] },
      });
      await expect(presence.join(tab2, { roles: ['customer'] })).resolves.toMatchObject({ joined: false });
      await presence.join(conn(ch, 'agent-7'), { roles: ['agent'] });
      const members = await presence.members(ch);
      expect(members.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
        { userId: 'agent-7', roles: ['agent'] },
        { userId: 'alice', roles: ['customer'] },
      ]);
      await expect(presence.leave(tab1)).resolves.toEqual({ left: false });
      expect((await presence.members(ch)).map((m) => m.userId).sort()).toEqual(['agent-7', 'alice']);
      await expect(presence.leave(tab2)).resolves.toEqual({ left: true });
      expect((await presence.members(ch)).map((m) => m.userId)).toEqual(['agent-7']);
    });

    it('is idempotent per connection: a repeated join is not a second connection, an unknown leave is a no-op', async () => {
      const ch = channel();
      const tab = conn(ch, 'bob');
      await presence.join(tab);
      await expect(presence.join(tab)).resolves.toMatchObject({ joined: false });
      await expect(presence.leave(conn(ch, 'bob'))).resolves.toEqual({ left: false });
      await expect(presence.leave(tab)).resolves.toEqual({ left: true });
      await expect(presence.leave(tab)).resolves.toEqual({ left: false });
      await expect(presence.members(ch)).resolves.toEqual([]);
    });

    it('keeps channels apart', async () => {
      const [a, b] = [channel(), channel()];
      await presence.join(conn(a, 'carol'));
      await expect(presence.members(b)).resolves.toEqual([]);
      await expect(presence.join(conn(b, 'carol'))).resolves.toMatchObject({ joined: true });
    });

    it('keeps a status with the member, across their connections, until they leave', async () => {
      const ch = channel();
      const tab1 = conn(ch, 'agent-1');
      await presence.join(tab1, { roles: ['agent'], status: 'online' });
      await expect(presence.setStatus(ch, 'agent-1', 'busy')).resolves.toEqual({
        changed: true,
        member: { userId: 'agent-1', roles: ['agent'], status: 'busy' },
      });
      await expect(presence.setStatus(ch, 'agent-1', 'busy')).resolves.toMatchObject({ changed: false });
      // A new tab does not reset the status the agent chose.
      await expect(presence.join(conn(ch, 'agent-1'), { roles: ['agent'], status: 'online' })).resolves.toEqual({
        joined: false,
        member: { userId: 'agent-1', roles: ['agent'], status: 'busy' },
      });
      await expect(presence.members(ch)).resolves.toEqual([{ userId: 'agent-1', roles: ['agent'], status: 'busy' }]);
      await expect(presence.setStatus(ch, 'nobody', 'away')).resolves.toBeNull();
    });

    it('forgets a member after they left: a rejoin starts over', async () => {
      const ch = channel();
      const tab = conn(ch, 'agent-2');
      await presence.join(tab, { status: 'online' });
      await presence.setStatus(ch, 'agent-2', 'away');
      await presence.leave(tab);
      await expect(presence.join(conn(ch, 'agent-2'), { status: 'online' })).resolves.toEqual({
        joined: true,
        member: { userId: 'agent-2', status: 'online' },
      });
    });

    it('lets connections without heartbeat lapse within the TTL, and the sweep reports each lapsed member once', async () => {
      const ch = channel();
      await presence.join(conn(ch, 'dave'));
      await presence.join(conn(ch, 'dave'));
      await sleep(CONTRACT_TTL_MS + 50);
      await expect(presence.members(ch)).resolves.toEqual([]);
      const lapses = await presence.sweep();
      expect(lapses.filter((l) => l.channel === ch)).toEqual([{ channel: ch, userId: 'dave' }]);
      expect((await presence.sweep()).filter((l) => l.channel === ch)).toEqual([]);
      await expect(presence.join(conn(ch, 'dave'))).resolves.toMatchObject({ joined: true });
    });

    it('keeps heart-beaten connections past the TTL, and reports the ones it no longer holds', async () => {
      const ch = channel();
      const kept = conn(ch, 'erin');
      const lapsing = conn(ch, 'erin');
      const gone = conn(ch, 'frank');
      await presence.join(kept);
      await presence.join(lapsing);
      for (let i = 0; i < 5; i++) {
        await sleep(CONTRACT_TTL_MS / 3);
        await expect(presence.heartbeat([kept])).resolves.toEqual([]);
      }
      // Erin's other tab lapsed, but she still has one: the sweep reports nobody.
      expect((await presence.sweep()).filter((l) => l.channel === ch)).toEqual([]);
      await expect(presence.members(ch)).resolves.toEqual([{ userId: 'erin' }]);
      await expect(presence.heartbeat([kept, lapsing, gone])).resolves.toEqual([lapsing, gone]);
    });

    it('reports one first join of concurrent joins of one user', async () => {
      const ch = channel();
      const results = await Promise.all(Array.from({ length: 10 }, () => presence.join(conn(ch, 'gina'))));
      expect(results.filter((r) => r.joined)).toHaveLength(1);
    });

    it('refuses a connection id with a line break', async () => {
      await expect(presence.join(conn(channel(), 'h', 'a\nb'))).rejects.toThrow(/connection id/);
    });

    if (shared) {
      it('shares members between stores (edges): a user on two edges counts once, and leaves with their last connection', async () => {
        const other = await open();
        const ch = channel();
        const onFirst = conn(ch, 'ivan');
        const onSecond = conn(ch, 'ivan');
        const [a, b] = await Promise.all([presence.join(onFirst), other.join(onSecond)]);
        expect([a.joined, b.joined].filter(Boolean)).toHaveLength(1);
        await expect(other.members(ch)).resolves.toEqual([{ userId: 'ivan' }]);
        await expect(presence.leave(onFirst)).resolves.toEqual({ left: false });
        await expect(other.leave(onSecond)).resolves.toEqual({ left: true });
        await expect(presence.members(ch)).resolves.toEqual([]);
      });

      it("lets a crashed edge's connections lapse, reported by another edge's sweep", async () => {
        const crashed = await open();
        const ch = channel();
        const survivor = conn(ch, 'judy');
        await presence.join(survivor);
        await crashed.join(conn(ch, 'ken'));
        await crashed.close();
        await sleep(CONTRACT_TTL_MS / 2);
        await presence.heartbeat([survivor]);
        await sleep(CONTRACT_TTL_MS / 2 + 50);
        expect((await presence.members(ch)).map((m) => m.userId)).toEqual(['judy']);
        expect((await presence.sweep()).filter((l) => l.channel === ch)).toEqual([{ channel: ch, userId: 'ken' }]);
      });
    }
  });
}
