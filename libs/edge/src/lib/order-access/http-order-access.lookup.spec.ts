import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { AccessLookupUnavailable } from '@shopnest/platform-http';
import { HttpOrderAccessLookup } from './http-order-access.lookup';

type Handler = (req: IncomingMessage, res: ServerResponse, ids: string[]) => void;

const ORDERS: Record<string, { customerId: string; courierId: string | null }> = {
  'o-1': { customerId: 'u-1', courierId: null },
  'o-2': { customerId: 'u-2', courierId: 'c-2' },
};

/** Answers like order-tracking's `POST /internal/orders/access`: every id, unknown ones null. */
const answerKnown: Handler = (_, res, ids) =>
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ access: Object.fromEntries(ids.map((id) => [id, ORDERS[id] ?? null])) }));

describe('HttpOrderAccessLookup', () => {
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  let requests: { method?: string; url?: string; authorization?: string; ids: string[] }[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const ids = raw ? (JSON.parse(raw) as { ids: string[] }).ids : [];
        requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, ids });
        handler(req, res, ids);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    requests = [];
    handler = answerKnown;
  });

  const lookup = (over: Partial<ConstructorParameters<typeof HttpOrderAccessLookup>[0]> = {}) =>
    new HttpOrderAccessLookup({ baseUrl, serviceToken: 'svc-token', timeoutMs: 500, ...over });

  it('asks the bulk internal endpoint with the service token and parses the answer', async () => {
    await expect(lookup().find('o-1')).resolves.toEqual({ customerId: 'u-1', courierId: null });
    expect(requests).toEqual([
      { method: 'POST', url: '/internal/orders/access', authorization: 'Bearer svc-token', ids: ['o-1'] },
    ]);
  });

  it('coalesces concurrent misses into one request, each caller getting its own order, unknown ones null', async () => {
    const l = lookup();
    const answers = await Promise.all([l.find('o-1'), l.find('o-2'), l.find('o-unknown'), l.find('o-1')]);
    expect(answers).toEqual([ORDERS['o-1'], ORDERS['o-2'], null, ORDERS['o-1']]);
    expect(requests).toHaveLength(1);
    expect(requests[0].ids).toEqual(['o-1', 'o-2', 'o-unknown']);
  });

  it('splits a batch at 500 ids and keeps at most maxConcurrentBulkRequests requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    handler = (req, res, ids) => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight--;
        answerKnown(req, res, ids);
      }, 20);
    };
    const l = lookup({ maxConcurrentBulkRequests: 2 });
    const ids = Array.from({ length: 1_600 }, (_, i) => `o-x${i}`);
    await expect(Promise.all(ids.map((id) => l.find(id)))).resolves.toEqual(ids.map(() => null));
    expect(requests.map((r) => r.ids.length).sort((a, b) => a - b)).toEqual([100, 500, 500, 500]);
    expect(peak).toBe(2);
  });

  it('fails a miss that waited a whole timeout for room instead of queueing it behind a slow service', async () => {
    handler = () => undefined;
    const l = lookup({ timeoutMs: 200, maxConcurrentBulkRequests: 1 });
    const ids = Array.from({ length: 501 }, (_, i) => `o-slow${i}`);
    const results = await Promise.allSettled(ids.map((id) => l.find(id)));
    const reasons = results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'answered'));
    expect(reasons.slice(0, 500)).toEqual(Array(500).fill(expect.stringMatching(/no answer within 200 ms/)));
    expect(reasons[500]).toMatch(/no room within 200 ms \(1 requests in flight\)/);
    expect(requests).toHaveLength(1); // the 501st was never sent
  });

  it.each([
    ['a 500', ((_, res) => res.writeHead(500).end()) as Handler, /HTTP 500/],
    ['a 401', ((_, res) => res.writeHead(401).end()) as Handler, /HTTP 401/],
    // An order-tracking without the bulk route: never "no such order" for everyone.
    ['a 404', ((_, res) => res.writeHead(404).end('{"code":"NOT_FOUND"}')) as Handler, /HTTP 404/],
    ['a body that is not JSON', ((_, res) => res.writeHead(200).end('<html>')) as Handler, /not JSON/],
    [
      'an unexpected body',
      ((_, res) => res.writeHead(200).end('{"access":{"o-3":{"owner":"u-1"}}}')) as Handler,
      /customerId/,
    ],
    [
      'an answer that leaves the id out',
      ((_, res) => res.writeHead(200).end('{"access":{"o-1":null}}')) as Handler,
      /left out 1 of 1 ids/,
    ],
    ['no answer in time', (() => undefined) as Handler, /no answer within 500 ms/],
  ])('rejects with AccessLookupUnavailable on %s', async (_, serve, reason) => {
    handler = serve;
    const result = lookup().find('o-3');
    await expect(result).rejects.toBeInstanceOf(AccessLookupUnavailable);
    await expect(result).rejects.toThrow(reason);
  });

  it('rejects when nothing listens', async () => {
    await expect(lookup({ baseUrl: 'http://127.0.0.1:1' }).find('o-4')).rejects.toThrow(
      /order access lookup at .* failed/,
    );
  });

  it('caches hits and misses, and sends one request for concurrent lookups of one order', async () => {
    const l = lookup({ hitTtlMs: 60_000, missTtlMs: 60_000 });
    const answers = await Promise.all([l.find('o-1'), l.find('o-1'), l.find('o-1')]);
    expect(answers).toEqual(Array(3).fill(ORDERS['o-1']));
    await l.find('o-1');
    expect(requests).toHaveLength(1);
    expect(requests[0].ids).toEqual(['o-1']);

    await l.find('o-6');
    await l.find('o-6');
    expect(requests).toHaveLength(2);
  });

  it('does not cache failures', async () => {
    const l = lookup();
    handler = (_, res) => res.writeHead(503).end();
    await expect(l.find('o-2')).rejects.toThrow();
    handler = answerKnown;
    await expect(l.find('o-2')).resolves.toEqual(ORDERS['o-2']);
  });

  it('forgets a hit once its time is up', async () => {
    const l = lookup({ hitTtlMs: 20 });
    await l.find('o-1');
    await new Promise((resolve) => setTimeout(resolve, 40));
    await l.find('o-1');
    expect(requests).toHaveLength(2);
  });
});
