import { PresenceDiff, Principal } from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import { InMemoryPresence } from '@shopnest/platform-presence';
import type { EdgeServer, EdgeSocket } from '../edge.gateway';
import { EdgePresence } from './edge-presence';

/** What EdgePresence reads of a socket, and what it emitted to it. */
function fakeSocket(id: string, principal: Principal, rooms: string[]) {
  const emitted: [string, unknown][] = [];
  const socket = {
    id,
    connected: true,
    rooms: new Set([id, ...rooms]),
    data: { principal },
    emit: (event: string, payload: unknown) => emitted.push([event, payload]),
  };
  return { socket, asEdgeSocket: socket as unknown as EdgeSocket, emitted };
}

/** A server whose room emits are recorded as `[room, except, event, payload]`. */
function fakeServer() {
  const emits: { room: string; except?: string; event: string; payload: unknown }[] = [];
  const server = {
    to: (room: string) => {
      const operator = (except?: string) => ({
        except: (excluded: string) => operator(excluded),
        emit: (event: string, payload: unknown) => emits.push({ room, except, event, payload }),
      });
      return operator();
    },
  };
  return { server: server as unknown as EdgeServer, emits };
}

const TICKET = 'ticket:t-1';
const customer: Principal = { userId: 'alice', roles: ['customer'] };
const agent: Principal = { userId: 'agent-7', roles: ['agent'] };

describe('EdgePresence', () => {
  let presence: InMemoryPresence;
  let edge: EdgePresence;
  let emits: ReturnType<typeof fakeServer>['emits'];

  beforeEach(() => {
    presence = new InMemoryPresence(300);
    edge = new EdgePresence(presence, new MetricsService('edge-presence-test'));
    const server = fakeServer();
    edge.use(server.server);
    emits = server.emits;
  });

  it('sends the subscriber the members, and the others a join excluding the user’s own room', async () => {
    const { asEdgeSocket, emitted } = fakeSocket('s1', customer, [TICKET]);
    await edge.subscribed(asEdgeSocket, TICKET);
    expect(emitted).toEqual([
      ['presence.state', { channel: TICKET, members: [{ userId: 'alice', roles: ['customer'] }] }],
    ]);
    expect(emits).toEqual([
      {
        room: TICKET,
        except: 'user:alice',
        event: 'presence.diff',
        payload: { channel: TICKET, joins: [{ userId: 'alice', roles: ['customer'] }], leaves: [] },
      },
    ]);
  });

  it('records nothing for a socket that left or disconnected before its turn', async () => {
    const gone = fakeSocket('s1', customer, [TICKET]);
    gone.socket.connected = false;
    await edge.subscribed(gone.asEdgeSocket, TICKET);
    const left = fakeSocket('s2', customer, []);
    await edge.subscribed(left.asEdgeSocket, TICKET);
    await expect(presence.members(TICKET)).resolves.toEqual([]);
    expect(edge.isMember(gone.asEdgeSocket, TICKET) || edge.isMember(left.asEdgeSocket, TICKET)).toBe(false);
  });

  it('renews its members past the TTL with one timer, and announces the lapsed members of another edge', async () => {
    const mine = fakeSocket('s1', agent, [TICKET]);
    await edge.subscribed(mine.asEdgeSocket, TICKET);
    // Another edge's member, which nobody renews: that edge crashed.
    await presence.join({ channel: TICKET, userId: 'bob', connectionId: 'elsewhere' });
    edge.onModuleInit();
    try {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await expect(presence.members(TICKET)).resolves.toEqual([{ userId: 'agent-7', roles: ['agent'] }]);
      const diffs = emits.filter((e) => e.event === 'presence.diff').map((e) => e.payload as PresenceDiff);
      expect(diffs).toContainEqual({ channel: TICKET, joins: [], leaves: [{ userId: 'bob' }] });
    } finally {
      await edge.onModuleDestroy();
    }
  });

  it('on shutdown lets a leave under way announce before it resolves; a later disconnect is left to lapse', async () => {
    const alice = fakeSocket('s1', customer, [TICKET]);
    const agentSocket = fakeSocket('s2', agent, [TICKET]);
    await edge.subscribed(alice.asEdgeSocket, TICKET);
    await edge.subscribed(agentSocket.asEdgeSocket, TICKET);
    const leaves = () => emits.filter((e) => (e.payload as PresenceDiff).leaves?.length);

    const leaving = edge.disconnected(alice.asEdgeSocket);
    await edge.onModuleDestroy();
    expect(leaves()).toHaveLength(1); // announced before shutdown went on to close the server
    await leaving;

    await edge.disconnected(agentSocket.asEdgeSocket);
    expect(leaves()).toHaveLength(1);
    await expect(presence.members(TICKET)).resolves.toEqual([{ userId: 'agent-7', roles: ['agent'] }]);
  });

  it('joins again a connection the store lost (this edge paused past the TTL), announcing it', async () => {
    const mine = fakeSocket('s1', agent, [TICKET]);
    await edge.subscribed(mine.asEdgeSocket, TICKET);
    await presence.close(); // the store forgot everything, as after a sweep of this edge's leases
    emits.length = 0;
    await edge.tick();
    await expect(presence.members(TICKET)).resolves.toEqual([{ userId: 'agent-7', roles: ['agent'] }]);
    expect(emits.map((e) => e.payload)).toEqual([
      { channel: TICKET, joins: [{ userId: 'agent-7', roles: ['agent'] }], leaves: [] },
    ]);
  });

  it('leaves with the last connection of a user only', async () => {
    const tab1 = fakeSocket('s1', agent, [TICKET]);
    const tab2 = fakeSocket('s2', agent, [TICKET]);
    await edge.subscribed(tab1.asEdgeSocket, TICKET);
    await edge.subscribed(tab2.asEdgeSocket, TICKET);
    emits.length = 0;
    await edge.disconnected(tab1.asEdgeSocket);
    expect(emits).toEqual([]);
    await edge.left(tab2.asEdgeSocket, TICKET);
    expect(emits.map((e) => e.payload)).toEqual([{ channel: TICKET, joins: [], leaves: [{ userId: 'agent-7' }] }]);
  });

  it('while handing over (drain), lets a disconnected socket’s entries lapse instead of leaving', async () => {
    const tab = fakeSocket('s1', agent, [TICKET]);
    await edge.subscribed(tab.asEdgeSocket, TICKET);
    edge.handOver();
    emits.length = 0;
    await edge.disconnected(tab.asEdgeSocket);
    expect(emits).toEqual([]);
    // The client reconnected through another edge: a second connection of a present member, no news.
    await expect(
      presence.join({ channel: TICKET, userId: 'agent-7', connectionId: 'elsewhere' }),
    ).resolves.toMatchObject({ joined: false });
    // This edge no longer renews the old entry: it lapses without a leave, the member stays.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await presence.heartbeat([{ channel: TICKET, userId: 'agent-7', connectionId: 'elsewhere' }]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await edge.tick();
    expect(emits).toEqual([]);
    await expect(presence.members(TICKET)).resolves.toEqual([{ userId: 'agent-7', roles: ['agent'] }]);
  });

  it('logs and counts a store failure instead of failing the subscription', async () => {
    jest.spyOn(presence, 'join').mockRejectedValueOnce(new Error('Redis down'));
    const { asEdgeSocket, emitted } = fakeSocket('s1', customer, [TICKET]);
    await expect(edge.subscribed(asEdgeSocket, TICKET)).resolves.toBeUndefined();
    expect(emitted).toEqual([]);
  });
});
