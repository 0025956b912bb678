import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Delivery,
  Envelope,
  ORDER_SNAPSHOT_EVENT,
  OrderSnapshot,
  OrderSnapshotDelivery,
  reduceOrderSnapshot,
  SubscribeAck,
} from '@shopnest/contracts';
import { ChannelHistory, ChannelSnapshot, HistoryRead, InMemoryHistory } from '@shopnest/platform-history';
import { signTestToken, waitFor } from '@shopnest/testing';
import { io, Socket as ClientSocket } from 'socket.io-client';
import { EdgeModule } from '../edge.module';
import {
  aliceEvent as event,
  edgePlatformModules,
  lastAliceSequence,
  RecordingIoAdapter,
} from '../testing/edge.fixture';

/** In-memory history that lets a test act in the middle of a replay or snapshot read, as a busy worker would. */
class SteppedHistory extends InMemoryHistory {
  duringRead?: { before?: () => Promise<void>; after?: () => Promise<void> };
  afterSnapshotRead?: () => Promise<void>;

  override async snapshot(channel: string): Promise<ChannelSnapshot | null> {
    const read = await super.snapshot(channel);
    const hook = this.afterSnapshotRead;
    this.afterSnapshotRead = undefined;
    await hook?.();
    return read;
  }

  override async readSince(channel: string, since?: string): Promise<HistoryRead> {
    const hooks = this.duringRead;
    this.duringRead = undefined;
    await hooks?.before?.();
    const read = await super.readSince(channel, since);
    await hooks?.after?.();
    return read;
  }
}

const CHANNEL = 'order:o-alice';
/** What a socket saw, in arrival order: deliveries by sequence, snapshots, and where the subscribe ack fell. */
interface Seen {
  log: Array<
    | { kind: 'delivery'; sequence: number; offset?: string }
    | { kind: 'snapshot'; state: OrderSnapshot; offset: string }
    | { kind: 'ack' }
  >;
  sequences(): number[];
}

describe('subscribe with replay (real socket.io server and client, in-memory history)', () => {
  let app: INestApplication;
  let adapter: RecordingIoAdapter;
  let history: SteppedHistory;
  let url: string;
  const clients: ClientSocket[] = [];

  /** The worker's order: append to history, then push to the room with that offset. */
  async function publish(e: Envelope): Promise<string> {
    const offset = await history.append(CHANNEL, e);
    await adapter.localFanout.emit({ channel: CHANNEL, offset, event: e } satisfies Delivery);
    return offset;
  }

  async function publishVolatile(e: Envelope): Promise<void> {
    await history.keepLatestVolatile(CHANNEL, e);
    await adapter.localFanout.emit({ channel: CHANNEL, event: e } satisfies Delivery);
  }

  async function connect(userId = 'alice'): Promise<{ socket: ClientSocket; seen: Seen }> {
    const socket = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: signTestToken(userId) },
    });
    clients.push(socket);
    const seen: Seen = {
      log: [],
      sequences: () => seen.log.flatMap((entry) => (entry.kind === 'delivery' ? [entry.sequence] : [])),
    };
    socket.onAny((name: string, delivery: Delivery | OrderSnapshotDelivery) => {
      if (delivery?.channel !== CHANNEL) return;
      if (name === ORDER_SNAPSHOT_EVENT && 'state' in delivery)
        seen.log.push({ kind: 'snapshot', state: delivery.state, offset: delivery.offset });
      else if ('event' in delivery)
        seen.log.push({ kind: 'delivery', sequence: delivery.event.sequence, offset: delivery.offset });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return { socket, seen };
  }

  async function subscribe(
    client: { socket: ClientSocket; seen: Seen },
    since?: string,
    request: object = { channel: CHANNEL, ...(since !== undefined && { since }) },
  ): Promise<SubscribeAck> {
    const ack = (await client.socket.timeout(5_000).emitWithAck('subscribe', request)) as SubscribeAck;
    client.seen.log.push({ kind: 'ack' });
    return ack;
  }

  beforeEach(async () => {
    history = new SteppedHistory({ maxLength: 5 });
    const module = await Test.createTestingModule({
      imports: [
        ...edgePlatformModules(),
        EdgeModule.forRoot({
          orderAccess: { driver: 'memory', orders: { 'o-alice': { customerId: 'alice', courierId: null } } },
          limits: { connectionsPerSecondPerIp: 1_000, connectionsPerUser: 100, replayHoldBackEvents: 3 },
        }),
      ],
    })
      .overrideProvider(ChannelHistory)
      .useValue(history)
      .compile();
    app = module.createNestApplication({ logger: false });
    adapter = new RecordingIoAdapter(app);
    app.useWebSocketAdapter(adapter);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.disconnect();
    await app.close();
  });

  it('replays what followed `since` in order before the ack, then sends live events, and says recovered: true', async () => {
    const offsets = [];
    for (let i = 0; i < 4; i++) offsets.push(await publish(event()));
    const first = lastAliceSequence() - 3;
    const alice = await connect();
    await expect(subscribe(alice, offsets[1])).resolves.toEqual({ ok: true, channel: CHANNEL, recovered: true });
    expect(alice.seen.log).toEqual([
      { kind: 'delivery', sequence: first + 2, offset: offsets[2] },
      { kind: 'delivery', sequence: first + 3, offset: offsets[3] },
      { kind: 'ack' },
    ]);
    await publish(event());
    await waitFor(() => alice.seen.sequences().length === 3);
    expect(alice.seen.sequences()).toEqual([first + 2, first + 3, first + 4]);
  });

  it('loses nothing and repeats nothing at the seam while events are appended and pushed during the replay', async () => {
    const since = await publish(event());
    const base = lastAliceSequence();
    const bystander = await connect();
    await subscribe(bystander);
    const alice = await connect();
    history.duringRead = {
      // Appended before the read sees it, pushed after alice joined: both replayed and pushed live.
      before: async () => {
        await publish(event());
        await publishVolatile(event('order.location_updated'));
      },
      // Appended and pushed after the read: only live, and must follow the replay.
      after: async () => {
        await publish(event());
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    };
    await expect(subscribe(alice, since)).resolves.toEqual({ ok: true, channel: CHANNEL, recovered: true });
    await publish(event());
    await waitFor(() => alice.seen.sequences().includes(base + 4) && bystander.seen.sequences().includes(base + 4));

    // Replay (base+1), then the captured live ones: base+1 again (dropped at the seam), base+3;
    // then base+4 live. The position (base+2, no offset) passes the seam; it may also come from
    // the latest-volatile read, which runs alongside the history read.
    const nonVolatile = (seen: Seen) => seen.sequences().filter((s) => s !== base + 2);
    expect(nonVolatile(alice.seen)).toEqual([base + 1, base + 3, base + 4]);
    expect(alice.seen.sequences()).toContain(base + 2);
    const ackAt = alice.seen.log.findIndex((entry) => entry.kind === 'ack');
    const beforeAck = alice.seen.log
      .slice(0, ackAt)
      .flatMap((entry) => (entry.kind === 'delivery' && entry.sequence !== base + 2 ? [entry.sequence] : []));
    expect(beforeAck).toEqual([base + 1, base + 3]);
    // Holding back is per socket: one already in the room got everything live, once.
    expect(bystander.seen.sequences()).toEqual([base + 1, base + 2, base + 3, base + 4]);
  });

  it('says recovered: false instead of holding back without bound when live deliveries pile up during the replay', async () => {
    const since = await publish(event());
    const alice = await connect();
    history.duringRead = {
      // More live deliveries than the hold-back limit (3) arrive while the history read is in flight.
      after: async () => {
        for (let i = 0; i < 4; i++) await publish(event());
      },
    };
    await expect(subscribe(alice, since)).resolves.toEqual({ ok: true, channel: CHANNEL, recovered: false });
    const base = lastAliceSequence();
    await publish(event());
    await waitFor(() => alice.seen.sequences().includes(base + 1));
    // Live again after the ack; what was held back was dropped, and the client was told to refetch.
    expect(alice.seen.sequences()).toEqual([base + 1]);
  });

  it('says recovered: false when `since` fell out of history, and still sends what is kept', async () => {
    const first = await publish(event());
    for (let i = 0; i < 6; i++) await publish(event());
    const alice = await connect();
    await expect(subscribe(alice, first)).resolves.toEqual({ ok: true, channel: CHANNEL, recovered: false });
    const last = lastAliceSequence();
    expect(alice.seen.sequences()).toEqual([last - 4, last - 3, last - 2, last - 1, last]);
  });

  it('without `since` replays nothing but the latest courier position, and the ack has no `recovered`', async () => {
    await publish(event());
    await publishVolatile(event('order.location_updated'));
    const alice = await connect();
    await expect(subscribe(alice)).resolves.toEqual({ ok: true, channel: CHANNEL });
    expect(alice.seen.log).toEqual([{ kind: 'delivery', sequence: lastAliceSequence() }, { kind: 'ack' }]);
  });

  it('answers INTERNAL (and stays up) when history cannot be read', async () => {
    history.duringRead = {
      before: () => Promise.reject(new Error('redis down')),
    };
    const alice = await connect();
    await expect(subscribe(alice, '1-0')).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    await expect(subscribe(alice, '1-0')).resolves.toMatchObject({ ok: true, recovered: false });
  });
  it('reads alongside the authorisation, yet a refused subscriber is sent nothing and told FORBIDDEN, not a failed read', async () => {
    await publish(event());
    await publishVolatile(event('order.location_updated'));
    let readStarted = false;
    history.duringRead = {
      before: () => {
        readStarted = true;
        return Promise.reject(new Error('redis down'));
      },
    };
    const mallory = await connect('mallory');

    const ack = await subscribe(mallory, '0-0');
    await publish(event());
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(readStarted).toBe(true);
    expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(mallory.seen.log).toEqual([{ kind: 'ack' }]);
  });

  describe('with snapshot: true', () => {
    const ref = { orderId: 'o-alice', customerId: 'alice' };
    const STATUSES = ['placed', 'confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered'] as const;
    let version = 0;
    const snapshotOf = { channel: CHANNEL, snapshot: true };

    /** The worker: append with the order's snapshot in one step, then push with the offset. */
    async function publishOrder(e: Envelope): Promise<string> {
      const { offset } = history.appendReporting(CHANNEL, e, (state: OrderSnapshot | null) =>
        reduceOrderSnapshot(state, e),
      );
      await adapter.localFanout.emit({ channel: CHANNEL, offset, event: e } satisfies Delivery);
      return offset;
    }

    function orderEvent(type: string, data: object): Envelope {
      return { ...event(type), sequence: ++version, data: { ...ref, ...data } };
    }
    const created = () =>
      orderEvent('order.created', { status: 'placed', itemsSummary: '1 × coffee', totalCents: 450 });
    const nextStatus = () => orderEvent('order.status_changed', { from: STATUSES[version - 1], to: STATUSES[version] });

    beforeEach(() => {
      version = 0;
    });

    it('sends the state first, then only the events after its offset (one appended during the read too), then live', async () => {
      await publishOrder(created());
      const snapshotOffset = await publishOrder(nextStatus());
      const alice = await connect();
      let racing = '';
      history.afterSnapshotRead = async () => void (racing = await publishOrder(nextStatus())); // version 3

      const ack = await subscribe(alice, undefined, snapshotOf);
      const live = await publishOrder(nextStatus()); // version 4

      expect(ack).toEqual({ ok: true, channel: CHANNEL, recovered: true, snapshot: { offset: snapshotOffset } });
      await waitFor(() => alice.seen.log.length === 4);
      expect(alice.seen.log).toEqual([
        {
          kind: 'snapshot',
          offset: snapshotOffset,
          state: expect.objectContaining({ id: 'o-alice', status: 'confirmed', version: 2 }),
        },
        { kind: 'delivery', sequence: 3, offset: racing },
        { kind: 'ack' },
        { kind: 'delivery', sequence: 4, offset: live },
      ]);
    });

    it('says snapshot: null when the order has none, and still delivers live events', async () => {
      const alice = await connect();

      const ack = await subscribe(alice, undefined, snapshotOf);
      await publishOrder(created());

      expect(ack).toEqual({ ok: true, channel: CHANNEL, snapshot: null });
      await waitFor(() => alice.seen.log.length === 2);
      expect(alice.seen.log[1]).toMatchObject({ kind: 'delivery', sequence: 1 });
    });

    it('refuses snapshot on a channel other than order:{id} as INVALID, naming the field', async () => {
      const alice = await connect();

      const ack = await subscribe(alice, undefined, { channel: 'user:alice', snapshot: true });

      expect(ack).toEqual({
        ok: false,
        error: {
          code: 'INVALID',
          message: expect.stringContaining('snapshot: only order:{id} channels have a snapshot'),
        },
      });
    });

    it('refuses another customer’s order as FORBIDDEN without sending its state', async () => {
      await publishOrder(created());
      const mallory = await connect('mallory');

      const ack = await subscribe(mallory, undefined, snapshotOf);
      await publishOrder(nextStatus());
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(mallory.seen.log).toEqual([{ kind: 'ack' }]);
    });
  });
});
