import { AccessLookupUnavailable } from '@shopnest/platform-http';
import { HttpTicketAccessLookup } from './http-ticket-access.lookup';

/** A fetch that answers from a table of paths; the HTTP path itself is tested with orders. */
function fakeFetch(answers: Record<string, Response>) {
  const calls: { url: string; authorization: string | null }[] = [];
  const impl: typeof fetch = async (input, init) => {
    const url = String(input);
    calls.push({ url, authorization: new Headers(init?.headers).get('authorization') });
    return answers[new URL(url).pathname] ?? new Response(null, { status: 404 });
  };
  return { impl, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('HttpTicketAccessLookup', () => {
  const options = { baseUrl: 'http://support-desk:3003/', serviceToken: 'svc' };

  it("asks support-desk's internal endpoint with the service token", async () => {
    const { impl, calls } = fakeFetch({ '/internal/tickets/t-1/access': json({ customerId: 'alice' }) });
    await expect(new HttpTicketAccessLookup(options, impl).find('t-1')).resolves.toEqual({ customerId: 'alice' });
    expect(calls).toEqual([
      { url: 'http://support-desk:3003/internal/tickets/t-1/access', authorization: 'Bearer svc' },
    ]);
  });

  it('answers null for no such ticket', async () => {
    await expect(new HttpTicketAccessLookup(options, fakeFetch({}).impl).find('t-2')).resolves.toBeNull();
  });

  it('rejects, naming the ticket lookup, on a failure or a body without customerId', async () => {
    const { impl } = fakeFetch({
      '/internal/tickets/t-3/access': new Response(null, { status: 503 }),
      '/internal/tickets/t-4/access': json({ owner: 'alice' }),
    });
    const lookup = new HttpTicketAccessLookup(options, impl);
    await expect(lookup.find('t-3')).rejects.toThrow(
      new AccessLookupUnavailable(
        'ticket access lookup at http://support-desk:3003/internal/tickets/t-3/access answered HTTP 503',
      ),
    );
    await expect(lookup.find('t-4')).rejects.toThrow(/ticket access lookup .* unexpected body: customerId/);
  });
});
