import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { AccessLookupUnavailable } from '@shopnest/platform-http';
import { HttpTicketAccessLookup } from './http-ticket-access.lookup';

/** support-desk's single-id endpoint, answering from a table of paths (bulk coalescing is tested with orders). */
const ANSWERS: Record<string, (res: ServerResponse) => void> = {
  '/internal/tickets/t-1/access': (res) => json(res, { customerId: 'alice' }),
  '/internal/tickets/t-3/access': (res) => res.writeHead(503).end(),
  '/internal/tickets/t-4/access': (res) => json(res, { owner: 'alice' }),
  // Behind a path prefix, as a service reached through a gateway would be.
  '/desk/internal/tickets/t-5/access': (res) => json(res, { customerId: 'bob' }),
};

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('HttpTicketAccessLookup', () => {
  let server: Server;
  let baseUrl: string;
  let calls: { url?: string; authorization?: string }[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls.push({ url: req.url, authorization: req.headers.authorization });
      (ANSWERS[req.url ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => (calls = []));

  const lookup = (base = baseUrl) => new HttpTicketAccessLookup({ baseUrl: base, serviceToken: 'svc' });

  it("asks support-desk's internal endpoint with the service token", async () => {
    await expect(lookup().find('t-1')).resolves.toEqual({ customerId: 'alice' });
    expect(calls).toEqual([{ url: '/internal/tickets/t-1/access', authorization: 'Bearer svc' }]);
  });

  it('keeps the base URL path in front of the endpoint', async () => {
    await expect(lookup(`${baseUrl}desk/`).find('t-5')).resolves.toEqual({ customerId: 'bob' });
  });

  it('answers null for no such ticket', async () => {
    await expect(lookup().find('t-2')).resolves.toBeNull();
  });

  it('rejects, naming the ticket lookup, on a failure or a body without customerId', async () => {
    const tickets = lookup();
    await expect(tickets.find('t-3')).rejects.toThrow(
      new AccessLookupUnavailable(`ticket access lookup at ${baseUrl}internal/tickets/t-3/access answered HTTP 503`),
    );
    await expect(tickets.find('t-4')).rejects.toThrow(/ticket access lookup .* unexpected body: customerId/);
  });
});
