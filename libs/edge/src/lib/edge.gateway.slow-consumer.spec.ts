import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SessionTerminated } from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import { signTestToken, waitFor } from '@shopnest/testing';
import { Agent } from 'node:http';
import { createConnection, NetConnectOpts, Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';
import { io, Socket as ClientSocket } from 'socket.io-client';
import { EdgeModule } from './edge.module';
import { socketServerOptions } from './socket-server.options';
import { edgePlatformModules, RecordingIoAdapter } from './testing/edge.fixture';

const LIMIT = 64 * 1024;
/** About 1 KiB per delivery, like an order event with a long items summary. */
const PAYLOAD = {
  channel: 'user:alice',
  event: { id: 'e', type: 'order.created', data: { itemsSummary: 'x'.repeat(1_000) } },
};

/** An http.Agent that keeps every TCP socket it opens, so a test can stop reading one (`pause()`). */
class KeepingAgent extends Agent {
  readonly opened: NetSocket[] = [];

  override createConnection(options: NetConnectOpts): NetSocket {
    const socket = createConnection(options);
    this.opened.push(socket);
    return socket;
  }
}

describe('EdgeGateway slow consumers (real socket.io server, a client that stops reading)', () => {
  let app: INestApplication;
  let adapter: RecordingIoAdapter;
  let url: string;
  const clients: ClientSocket[] = [];

  /** An in-process edge with a real socket.io server; `heartbeatMs` is both ping interval and timeout. */
  async function startEdge(heartbeatMs = 25_000): Promise<void> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ...edgePlatformModules(),
        EdgeModule.forRoot({
          orderAccess: { driver: 'memory' },
          limits: { connectionsPerSecondPerIp: 1_000, connectionsPerUser: 100, maxOutboundBytes: LIMIT },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    const options = socketServerOptions({
      corsOrigins: null,
      transports: ['websocket', 'polling'],
      maxPayloadBytes: 65_536,
      pingIntervalMs: heartbeatMs,
      pingTimeoutMs: heartbeatMs,
    });
    adapter = new RecordingIoAdapter(app, options);
    app.useWebSocketAdapter(adapter);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  }

  const agents: KeepingAgent[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    for (const socket of agents.splice(0).flatMap((agent) => agent.opened)) socket.destroy();
    await app.close();
  }, 30_000);

  const server = (): Server => adapter.server as Server;
  const aliceSockets = (): number => server().of('/').adapter.rooms.get('user:alice')?.size ?? 0;
  const slowConsumerDisconnects = async (): Promise<string> =>
    (await app.get(MetricsService).registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith('shopnest_edge_slow_consumer_disconnects_total{'))
      .join('\n');

  /**
   * Emits to alice's room until `done()` or `max` deliveries; returns how many. Batches stay well under
   * the limit: what one tick queues counts in full (a burst over the limit is a backlog over it). After
   * each batch it waits for `caughtUp(sent)`: the reader shares this process, so the flood must not outrun it.
   */
  async function flood(
    done: () => boolean,
    max: number,
    caughtUp: (sent: number) => boolean = () => true,
  ): Promise<number> {
    let sent = 0;
    while (!done() && sent < max) {
      for (let i = 0; i < 10; i++)
        server()
          .to('user:alice')
          .emit('order.created', { ...PAYLOAD, offset: String(sent++) });
      do await new Promise((resolve) => setImmediate(resolve));
      while (!caughtUp(sent) && !done());
    }
    return sent;
  }

  const connect = async (options: Parameters<typeof io>[1] = {}): Promise<ClientSocket> => {
    const socket = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: signTestToken('alice') },
      ...options,
    });
    clients.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  };

  it('disconnects a WebSocket client whose TCP window is full, telling it SLOW_CONSUMER, and leaves a reading client alone', async () => {
    await startEdge();
    const agent = new KeepingAgent();
    agents.push(agent);
    const slow = await connect({ agent: agent as never });
    const reader = await connect();
    const read: string[] = [];
    reader.on('order.created', (delivery: { offset: string }) => read.push(delivery.offset));
    const terminated: SessionTerminated[] = [];
    slow.on('session.terminated', (body: SessionTerminated) => terminated.push(body));
    const disconnected = new Promise<string>((resolve) => slow.once('disconnect', resolve));

    expect(agent.opened).toHaveLength(1);
    agent.opened[0]?.pause(); // the TCP window fills: the kernel buffers, then the edge's
    // Loopback kernel buffers take a few MiB before anything waits on the edge: flood until it gives up on the client.
    const sent = await flood(
      () => aliceSockets() < 2,
      100_000,
      (n) => read.length >= n,
    );
    expect(aliceSockets()).toBe(1);
    expect(sent).toBeLessThan(100_000);
    expect(await slowConsumerDisconnects()).toMatch(/transport="websocket"[^\n]*\} 1$/);

    // The reader got every delivery, in order; the slow client, once it reads again, finds why it was dropped.
    await waitFor(() => read.length === sent, 10_000);
    expect(read).toEqual(Array.from({ length: sent }, (_, i) => String(i)));
    expect(reader.connected).toBe(true);
    agent.opened[0]?.resume();
    await expect(disconnected).resolves.toBe('io server disconnect');
    expect(terminated).toEqual([
      { code: 'SLOW_CONSUMER', message: expect.stringContaining(`more than ${LIMIT} bytes`) },
    ]);
  }, 60_000);

  it('disconnects a long-polling client that stops polling, and it reads why on its next poll', async () => {
    await startEdge();
    const base = `${url}/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const session = `${base}&sid=${sid}`;
    const posted = await fetch(session, {
      method: 'POST',
      body: `40${JSON.stringify({ token: signTestToken('alice') })}`,
    });
    expect(posted.status).toBe(200);
    await waitFor(() => aliceSockets() === 1, 5_000);
    expect(await (await fetch(session)).text()).toMatch(/^40\{"sid":/); // connected; from now on it does not poll

    const sent = await flood(() => aliceSockets() === 0, 10_000);
    expect(aliceSockets()).toBe(0);
    // Nothing reaches the edge's kernel buffers without a poll: it gives up right past the limit.
    expect(sent * JSON.stringify(PAYLOAD).length).toBeLessThan(2 * LIMIT);
    expect(await slowConsumerDisconnects()).toMatch(/transport="polling"[^\n]*\} 1$/);

    const packets = (await (await fetch(session)).text()).split('\x1e');
    expect(packets.slice(-2)).toEqual([
      expect.stringMatching(/^42\["session\.terminated",\{"code":"SLOW_CONSUMER"/),
      '41',
    ]);
    // What waited before the cut is still delivered, in order, ahead of the reason.
    const offsets = packets
      .slice(0, -2)
      .map((packet) => (JSON.parse(packet.slice(2)) as [string, { offset: string }])[1].offset);
    expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => String(i)));
    expect(offsets.length).toBeGreaterThan(0);
  }, 60_000);
});
