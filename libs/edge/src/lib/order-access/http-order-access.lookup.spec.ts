import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { AccessLookupUnavailable } from '@shopnest/platform-http';
import { HttpOrderAccessLookup } from './http-order-access.lookup';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('HttpOrderAccessLookup', () => {
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  let requests: IncomingMessage[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req);
      handler(req, res);
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
    handler = (_, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"customerId":"u-1","courierId":null}');
  });

  const lookup = (over: Partial<ConstructorParameters<typeof HttpOrderAccessLookup>[0]> = {}) =>
    new HttpOrderAccessLookup({ baseUrl, serviceToken: 'svc-token', timeoutMs: 500, ...over });

  it('asks the internal endpoint with the service token and parses the answer', async () => {
    await expect(lookup().find('o-1')).resolves.toEqual({ customerId: 'u-1', courierId: null });
    expect(requests[0].url).toBe('/internal/orders/o-1/access');
    expect(requests[0].headers.authorization).toBe('Bearer svc-token');
  });

  it('answers null on 404', async () => {
    handler = (_, res) => res.writeHead(404).end('{"code":"NOT_FOUND"}');
    await expect(lookup().find('o-2')).resolves.toBeNull();
  });

  it.each([
    ['a 500', ((_, res) => res.writeHead(500).end()) as Handler, /HTTP 500/],
    ['a 401', ((_, res) => res.writeHead(401).end()) as Handler, /HTTP 401/],
    ['a body that is not JSON', ((_, res) => res.writeHead(200).end('<html>')) as Handler, /not JSON/],
    ['an unexpected body', ((_, res) => res.writeHead(200).end('{"owner":"u-1"}')) as Handler, /customerId/],
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
    const answers = await Promise.all([l.find('o-5'), l.find('o-5'), l.find('o-5')]);
    expect(answers).toEqual(Array(3).fill({ customerId: 'u-1', courierId: null }));
    await l.find('o-5');
    expect(requests).toHaveLength(1);

    handler = (_, res) => res.writeHead(404).end();
    await l.find('o-6');
    await l.find('o-6');
    expect(requests).toHaveLength(2);
  });

  it('does not cache failures', async () => {
    const l = lookup();
    handler = (_, res) => res.writeHead(503).end();
    await expect(l.find('o-7')).rejects.toThrow();
    handler = (_, res) => res.writeHead(200).end('{"customerId":"u-7","courierId":"c-1"}');
    await expect(l.find('o-7')).resolves.toEqual({ customerId: 'u-7', courierId: 'c-1' });
  });

  it('forgets a hit once its time is up', async () => {
    const l = lookup({ hitTtlMs: 20 });
    await l.find('o-8');
    await new Promise((resolve) => setTimeout(resolve, 40));
    await l.find('o-8');
    expect(requests).toHaveLength(2);
  });
});
