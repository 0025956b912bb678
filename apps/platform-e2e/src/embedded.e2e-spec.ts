import { ShopNestClient, ShopNestDelivery } from '@shopnest/client';
import { orderChannel } from '@shopnest/contracts';
import { freePort, signTestToken, TEST_JWT_ENV, waitFor } from '@shopnest/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The one-process mode (`npm start`) as a user runs it: the built dist/apps/embedded, with a PATH
// that holds node and nothing else, so no Java, Kafka, Redis or PostgreSQL can be reached.
const ROOT = join(__dirname, '..', '..', '..');
const bin = mkdtempSync(join(tmpdir(), 'shopnest-node-only-'));
symlinkSync(process.execPath, join(bin, 'node'));

interface Embedded {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function launch(env: Record<string, string>): Embedded {
  const child = spawn(join(bin, 'node'), [join(ROOT, 'dist', 'apps', 'embedded')], {
    cwd: ROOT,
    env: { PATH: bin, LOG_LEVEL: 'warn', ...TEST_JWT_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function ready(embedded: Embedded): Promise<void> {
  await waitFor(() => embedded.child.exitCode !== null || /ready in [\d.]+ s/.test(embedded.output()), 60_000);
  if (embedded.child.exitCode !== null)
    throw new Error(`exited with ${embedded.child.exitCode}:\n${embedded.output()}`);
}

async function stop(embedded: Embedded): Promise<number | null> {
  embedded.child.kill('SIGTERM');
  return embedded.exited;
}

describe('the one-process mode (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shopnest-embedded-'));
  const running: Embedded[] = [];
  const clients: ShopNestClient[] = [];
  let ports: { EDGE_PORT: string; ORDERS_PORT: string; WORKER_PORT: string; SUPPORT_PORT: string };

  beforeAll(async () => {
    ports = {
      EDGE_PORT: String(await freePort()),
      ORDERS_PORT: String(await freePort()),
      WORKER_PORT: String(await freePort()),
      SUPPORT_PORT: String(await freePort()),
    };
  });

  // A failed test must not leave its process holding the ports of the next one.
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const embedded of running.splice(0)) if (embedded.child.exitCode === null) await stop(embedded);
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  });

  const start = async (): Promise<Embedded> => {
    const embedded = launch({ ...ports, PGLITE_DATA_DIR: dataDir });
    running.push(embedded);
    await ready(embedded);
    return embedded;
  };

  it('follows an order through its statuses, keeps it across a restart and resumes the SDK client with since', async () => {
    const ordersUrl = `http://127.0.0.1:${ports.ORDERS_PORT}`;
    const shopper = signTestToken('shopper-embedded');
    const ops = signTestToken('ops-embedded', { roles: ['ops'] });
    const rest = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${ordersUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return (await response.json()) as { id: string; status: string };
    };

    let first = await start();
    expect(first.output()).toContain(`http://127.0.0.1:${ports.EDGE_PORT}`);
    const order = await rest('POST', '/orders', shopper, { itemsSummary: '1 × mug', totalCents: 1500 });

    const client = new ShopNestClient({
      url: `http://127.0.0.1:${ports.EDGE_PORT}`,
      tokenProvider: () => shopper,
      transports: ['websocket'],
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
    });
    clients.push(client);
    const seen: ShopNestDelivery[] = [];
    const gaps: string[] = [];
    client.on('gap', (channel) => gaps.push(channel));
    const trace: string[] = [];
    client.on('state', (state, error) => trace.push(`${state} ${error?.message ?? ''}`));
    client.on('error', (error) => trace.push(`error ${error.code} ${error.message}`));
    const subscription = client.subscribe(orderChannel(order.id), (delivery) => seen.push(delivery));
    await client.connect();
    expect(await subscription.ready).toMatchObject({ ok: true });

    const statusesSeen = () =>
      seen.map((d) => (d.event.type === 'order.status_changed' ? d.event.data.to : d.event.type));
    for (const status of ['confirmed', 'packed']) await rest('PATCH', `/orders/${order.id}/status`, ops, { status });
    await waitFor(() => seen.length === 2, 10_000);
    expect(statusesSeen()).toEqual(['confirmed', 'packed']);
    const lastBeforeRestart = client.lastOffset(orderChannel(order.id));
    expect(lastBeforeRestart).toBe(seen[1]?.offset);

    // A graceful stop, then the same data folder: the order is still there.
    expect(await stop(first)).toBe(0);
    first = await start();
    expect(await rest('GET', `/orders/${order.id}`, shopper)).toMatchObject({ id: order.id, status: 'packed' });

    // The client came back by itself and resubscribed with since = its last offset; the in-memory
    // history did not survive the restart, so the gap is reported (refetch over REST), never hidden.
    await waitFor(() => client.state === 'connected' && gaps.length === 1, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${trace.join('\n')}\n${first.output()}`);
    });
    expect(gaps).toEqual([orderChannel(order.id)]);
    for (const status of ['shipped', 'out_for_delivery', 'delivered'])
      await rest('PATCH', `/orders/${order.id}/status`, ops, { status });
    await waitFor(() => seen.length === 5, 10_000);
    expect(statusesSeen()).toEqual(['confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered']);
    // Offsets carry the append time, so those issued after the restart still sort after the old ones.
    expect((seen[2]?.offset ?? '') > (lastBeforeRestart ?? '')).toBe(true);
    client.close();
    expect(await stop(first)).toBe(0);
  });

  it('refuses a taken port in one line naming the variable that moves it, and exits 1 with nothing left running', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(ports.ORDERS_PORT), '127.0.0.1', resolve));
    try {
      const embedded = launch({ ...ports, PGLITE_DATA_DIR: dataDir });
      running.push(embedded);
      expect(await embedded.exited).toBe(1);
      expect(embedded.output()).toContain(
        `shopnest-live: failed to start: port ${ports.ORDERS_PORT} on 127.0.0.1 is already in use; set ORDERS_PORT to a free port`,
      );
      // The edge listens last, once order-tracking answers: it never took a client, and its port is free.
      const probe = createServer();
      await new Promise<void>((resolve, reject) =>
        probe.once('error', reject).listen(Number(ports.EDGE_PORT), '127.0.0.1', resolve),
      );
      await new Promise((resolve) => probe.close(resolve));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses cluster adapters and a lone PORT, naming each key and why', async () => {
    const embedded = launch({ ...ports, EVENT_BUS: 'kafka', HISTORY: 'redis', PORT: '8080' });
    running.push(embedded);
    expect(await embedded.exited).toBe(1);
    expect(embedded.output()).toMatch(/EVENT_BUS: kafka is refused: the one-process mode runs on in-process adapters/);
    expect(embedded.output()).toMatch(/HISTORY: redis is refused/);
    expect(embedded.output()).toMatch(/PORT: the one-process mode listens on four ports/);
  });
});
