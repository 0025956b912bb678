import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Delivery, Envelope } from '@shopnest/contracts';
import { ChannelHistory, InMemoryHistory } from '@shopnest/platform-history';
import { MetricsService } from '@shopnest/platform-observability';
import { signTestToken, waitFor } from '@shopnest/testing';
import { spawn } from 'node:child_process';
import { EdgeModule } from '../edge.module';
import { aliceEvent as event, edgePlatformModules, RecordingIoAdapter } from '../testing/edge.fixture';

const CHANNEL = 'order:o-alice';
/** An open event stream read with fetch: everything received so far, and a way to wait for more. */
interface Stream {
  response: Response;
  text(): string;
  until(pattern: RegExp): Promise<string>;
  close(): void;
}

async function openStream(url: string, headers: Record<string, string> = {}): Promise<Stream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  let received = '';
  if (response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += value;
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    response,
    text: () => received,
    async until(pattern) {
      await waitFor(() => pattern.test(received), 5_000);
      return received;
    },
    close: () => abort.abort(),
  };
}

/** The `data:` of every event of `type`, parsed. */
function deliveries(text: string, type = 'order.status_changed'): Array<{ id?: string; delivery: Delivery }> {
  return text
    .split('\n\n')
    .map((block) =>
      Object.fromEntries(
        block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
      ),
    )
    .filter((fields) => fields['event'] === type)
    .map((fields) => ({ id: fields['id'], delivery: JSON.parse(fields['data'] as string) as Delivery }));
}

describe('SSE (real HTTP server, in-memory history)', () => {
  let app: INestApplication;
  let adapter: RecordingIoAdapter;
  let history: InMemoryHistory;
  let base: string;
  const streams: Stream[] = [];
  const alice = signTestToken('alice');

  async function publish(e: Envelope): Promise<string> {
    const offset = await history.append(CHANNEL, e);
    await adapter.localFanout.emit({ channel: CHANNEL, offset, event: e } satisfies Delivery);
    return offset;
  }

  async function open(path: string, headers: Record<string, string> = {}): Promise<Stream> {
    const stream = await openStream(`${base}${path}`, headers);
    streams.push(stream);
    return stream;
  }

  beforeAll(async () => {
    history = new InMemoryHistory({ maxLength: 5 });
    const module = await Test.createTestingModule({
      imports: [
        ...edgePlatformModules(),
        EdgeModule.forRoot({
          orderAccess: {
            driver: 'memory',
            orders: {
              'o-alice': { customerId: 'alice', courierId: null },
              'o-bob': { customerId: 'bob', courierId: null },
            },
          },
          limits: { connectionsPerSecondPerIp: 1_000, connectionsPerUser: 100 },
          sse: { heartbeatMs: 100, retryMs: 1_500 },
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
    base = await app.getUrl();
  });

  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  afterAll(async () => {
    await app.close();
  });

  it('streams text/event-stream with the retry hint, then live deliveries with id = offset and event = type', async () => {
    const stream = await open(`/sse/orders/o-alice`, { authorization: `Bearer ${alice}` });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
    await stream.until(/event: subscribed\ndata: \{"channel":"order:o-alice"\}\n\n/);
    expect(stream.text().startsWith('retry: 1500\n\n')).toBe(true);

    const e = event();
    const offset = await publish(e);
    const text = await stream.until(new RegExp(`id: ${offset}\n`));
    expect(text).toContain(
      `id: ${offset}\nevent: order.status_changed\ndata: ${JSON.stringify({ channel: CHANNEL, offset, event: e })}\n\n`,
    );
  });

  it('resumes after Last-Event-ID (or ?lastEventId=) with the missed events in order, then says recovered: true', async () => {
    const offsets = [];
    for (let i = 0; i < 3; i++) offsets.push(await publish(event()));
    const byHeader = await open(`/sse/channels/${encodeURIComponent(CHANNEL)}`, {
      authorization: `Bearer ${alice}`,
      'last-event-id': offsets[0] as string,
    });
    const byQuery = await open(`/sse/orders/o-alice?access_token=${alice}&lastEventId=${offsets[0]}`);
    for (const stream of [byHeader, byQuery]) {
      const text = await stream.until(/event: subscribed\ndata: .*"recovered":true/);
      expect(deliveries(text).map((d) => d.id)).toEqual(offsets.slice(1));
    }
    const live = await publish(event());
    await byHeader.until(new RegExp(`id: ${live}\n`));
    expect(deliveries(byHeader.text()).map((d) => d.id)).toEqual([...offsets.slice(1), live]);
  });

  it('says recovered: false when Last-Event-ID fell out of history', async () => {
    const first = await publish(event());
    for (let i = 0; i < 6; i++) await publish(event());
    const stream = await open(`/sse/orders/o-alice`, { authorization: `Bearer ${alice}`, 'last-event-id': first });
    await stream.until(/event: subscribed\ndata: \{"channel":"order:o-alice","recovered":false\}/);
  });

  it('sends heartbeat comments while idle', async () => {
    const stream = await open(`/sse/orders/o-alice`, { authorization: `Bearer ${alice}` });
    await stream.until(/(: heartbeat\n\n[^]*){2}/);
  });

  it.each([
    ['no token', 401, 'UNAUTHENTICATED', '/sse/orders/o-alice', {}],
    ['a bad token', 401, 'UNAUTHENTICATED', '/sse/orders/o-alice', { authorization: 'Bearer not-a-jwt' }],
    ['someone else’s order', 403, 'FORBIDDEN', '/sse/orders/o-bob', { authorization: `Bearer ${alice}` }],
    ['an unknown channel', 400, 'INVALID', '/sse/channels/nope:1', { authorization: `Bearer ${alice}` }],
    ['a malformed order id', 400, 'INVALID', '/sse/orders/a%20b', { authorization: `Bearer ${alice}` }],
  ])('refuses %s with %d and JSON { code: %s, message }', async (_, status, code, path, headers) => {
    const response = await fetch(`${base}${path}`, { headers });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ code, message: expect.any(String) });
  });

  it('releases the stream when the client goes away', async () => {
    const metrics = app.get(MetricsService);
    const open = async () =>
      (await metrics.registry.getSingleMetric('shopnest_edge_sse_streams')?.get())?.values[0]?.value ?? 0;
    await waitFor(async () => (await open()) === 0, 5_000);
    const stream = await openStream(`${base}/sse/orders/o-alice`, { authorization: `Bearer ${alice}` });
    await waitFor(async () => (await open()) === 1, 5_000);
    stream.close();
    await waitFor(async () => (await open()) === 0, 5_000);
  });

  it('works with curl -N: the stream, then a resume with Last-Event-ID', async () => {
    const before = await publish(event());
    const after = await publish(event());
    const curl = (extra: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn('curl', [
          '-sN',
          '--max-time',
          '10',
          '-H',
          `Authorization: Bearer ${alice}`,
          ...extra,
          `${base}/sse/orders/o-alice`,
        ]);
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('event: subscribed')) child.kill();
        });
        child.on('error', reject);
        child.on('close', () => resolve(out));
      });
    const resumed = await curl(['-H', `Last-Event-ID: ${before}`]);
    expect(resumed).toMatch(/^retry: 1500\n\n/);
    expect(deliveries(resumed).map((d) => d.id)).toEqual([after]);
    expect(resumed).toContain('"recovered":true');
  });
});
