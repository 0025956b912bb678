import { restCalls, type SimActor, type SimCall, type SimStep, startSimulation } from './simulation';

interface Call {
  actor: SimActor;
  service: string;
  method: string;
  path: string;
  body?: unknown;
}

/** A platform that accepts every call and remembers it. */
function recording(fail: (c: Call) => boolean = () => false) {
  const calls: Call[] = [];
  let next = 0;
  const call: SimCall = async (actor, service, method, path, body) => {
    const c = { actor, service, method, path, body };
    calls.push(c);
    if (fail(c)) throw new TypeError('fetch failed');
    const id = `${service === 'orders' ? 'o' : 't'}-${++next}`;
    return service === 'orders' ? { id } : { ticket: { id } };
  };
  return { calls, call };
}

describe('startSimulation', () => {
  it('places the orders asked for and takes each through its statuses, the courier and the route to delivery', async () => {
    const platform = recording();
    const steps: SimStep[] = [];
    const summary = await startSimulation(platform.call, { orders: 3, durationMs: 10_000, tickMs: 0 }, (s) =>
      steps.push(s),
    ).done;

    expect(summary).toMatchObject({ created: 3, delivered: 3, failed: 0 });
    expect(platform.calls.filter((c) => c.method === 'POST' && c.path === '/orders')).toHaveLength(3);
    const first = platform.calls.filter((c) => c.path.startsWith('/orders/o-1/'));
    const statuses = first.filter((c) => c.method === 'PATCH').map((c) => (c.body as { status: string }).status);
    expect(statuses).toEqual(['confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered']);
    expect(first.find((c) => c.path.endsWith('/courier'))?.actor.persona).toBe('ops');
    const positions = first.filter((c) => c.path.endsWith('/location'));
    expect(positions.length).toBeGreaterThanOrEqual(5);
    expect(positions.every((c) => c.actor.userId === 'courier-demo')).toBe(true);
    // Statuses as ops, orders as demo shoppers, and a ticket about the first order.
    expect(first.filter((c) => c.method === 'PATCH').every((c) => c.actor.persona === 'ops')).toBe(true);
    expect(platform.calls.find((c) => c.path === '/tickets')).toMatchObject({
      service: 'support',
      actor: { persona: 'shopper' },
      body: { orderId: 'o-1' },
    });
    expect(steps).toContainEqual({ kind: 'ticket', orderId: 'o-1', ticketId: 't-2' });
  });

  it('stops at its time limit with orders unfinished', async () => {
    const platform = recording();
    const summary = await startSimulation(platform.call, { orders: 100, durationMs: 50, tickMs: 20 }).done;
    expect(summary.created).toBeGreaterThan(0);
    expect(summary.created).toBeLessThan(100);
    expect(summary.delivered).toBe(0);
  });

  it('skips a refused step and goes on', async () => {
    let refused = false;
    const platform = recording((c) => {
      if (c.path.endsWith('/status') && !refused) return (refused = true);
      return false;
    });
    const summary = await startSimulation(platform.call, { orders: 1, durationMs: 10_000, tickMs: 0 }).done;
    expect(summary).toMatchObject({ created: 1, delivered: 1, failed: 1 });
  });

  it('gives up, saying so, when every call fails (the platform is gone)', async () => {
    const platform = recording(() => true);
    await expect(startSimulation(platform.call, { orders: 5, durationMs: 10_000, tickMs: 0 }).done).rejects.toThrow(
      /stopped answering .*fetch failed/,
    );
  });

  it('ends early on stop()', async () => {
    const platform = recording();
    const simulation = startSimulation(platform.call, { orders: 100, durationMs: 60_000, tickMs: 10_000 });
    simulation.stop();
    const summary = await simulation.done;
    expect(summary.created).toBeLessThanOrEqual(1);
  });
});

describe('restCalls', () => {
  it('signs each demo user in once and sends its token to the right service', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const realFetch = global.fetch;
    global.fetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, auth: new Headers(init.headers).get('authorization') });
      return new Response(JSON.stringify({ id: 'x' }), { status: 201 });
    }) as typeof fetch;
    try {
      const signIn = jest.fn(async (actor: SimActor) => `token-of-${actor.userId}`);
      const call = restCalls({ orders: 'http://o', support: 'http://s' }, signIn);
      const ops: SimActor = { persona: 'ops', userId: 'ops-demo' };
      await call(ops, 'orders', 'PATCH', '/orders/1/status', {});
      await call(ops, 'support', 'GET', '/tickets');
      expect(signIn).toHaveBeenCalledTimes(1);
      expect(seen).toEqual([
        { url: 'http://o/orders/1/status', auth: 'Bearer token-of-ops-demo' },
        { url: 'http://s/tickets', auth: 'Bearer token-of-ops-demo' },
      ]);
    } finally {
      global.fetch = realFetch;
    }
  });
});
