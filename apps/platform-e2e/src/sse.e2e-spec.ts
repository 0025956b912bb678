import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { createOrder, Platform, setStatus, startPlatform } from './support/platform';

/** `curl -N` on an SSE URL: its output so far, and a way to stop it. */
function curl(url: string, headers: string[]): { child: ChildProcess; output: () => string } {
  const args = ['-sN', '--max-time', '60', ...headers.flatMap((header) => ['-H', header]), url];
  const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { child, output: () => out };
}

/** `id:` of every `order.status_changed` event in an SSE transcript, with its `to` status. */
function statusEvents(transcript: string): Array<{ id: string; to: string }> {
  return transcript
    .split('\n\n')
    .filter((block) => block.includes('event: order.status_changed'))
    .map((block) => {
      const id = /^id: (.+)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? '{}') as { event: { data: { to: string } } };
      return { id, to: data.event.data.to };
    });
}

describe('SSE end to end: curl against a deployed edge, fed by the worker through Redis', () => {
  const run = runId();
  let platform: Platform;
  const curls: ChildProcess[] = [];

  beforeAll(async () => {
    platform = await startPlatform(run, [{ name: 'edge' }]);
  }, 90_000);

  afterAll(async () => {
    for (const child of curls) child.kill();
    await platform?.stop();
  });

  it('streams an order’s events to `curl -N`, and resumes with Last-Event-ID', async () => {
    const token = signTestToken(`sse-shopper-${run}`);
    const { id } = await createOrder(platform, token);
    const url = `${platform.edges[0]?.url}/sse/orders/${id}`;

    const live = curl(url, [`Authorization: Bearer ${token}`]);
    // Stays connected throughout: shows when the worker has pushed (so appended) an event.
    const watcher = curl(url, [`Authorization: Bearer ${token}`]);
    curls.push(live.child, watcher.child);
    await waitFor(
      () => live.output().includes('event: subscribed') && watcher.output().includes('event: subscribed'),
      10_000,
    );
    await setStatus(platform, id, 'confirmed');
    await waitFor(() => statusEvents(live.output()).length === 1, 20_000).catch(() => {
      throw new Error(`no event on the stream:\n${live.output()}\n${platform.output()}`);
    });
    expect(live.output()).toMatch(/^retry: \d+\n\n/);
    const [confirmed] = statusEvents(live.output());
    expect(confirmed).toEqual({ id: expect.stringMatching(/^\d+-\d+$/), to: 'confirmed' });
    live.child.kill();

    // Missed while disconnected: replayed on resume, before `subscribed`.
    await setStatus(platform, id, 'packed');
    await setStatus(platform, id, 'shipped');
    await waitFor(() => statusEvents(watcher.output()).length === 3, 20_000);
    const resumed = curl(url, [`Authorization: Bearer ${token}`, `Last-Event-ID: ${confirmed?.id}`]);
    curls.push(resumed.child);
    await waitFor(
      () => statusEvents(resumed.output()).length >= 2 && resumed.output().includes('event: subscribed'),
      20_000,
    ).catch(() => {
      throw new Error(`resume did not replay:\n${resumed.output()}`);
    });
    const transcript = resumed.output();
    expect(statusEvents(transcript).map((e) => e.to)).toEqual(['packed', 'shipped']);
    expect(transcript.indexOf('event: subscribed')).toBeGreaterThan(
      transcript.lastIndexOf('event: order.status_changed'),
    );
    expect(transcript).toContain('"recovered":true');
    resumed.child.kill();
  });

  it('answers 401 JSON to curl without a token', async () => {
    const response = await fetch(`${platform.edges[0]?.url}/sse/orders/some-order`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String) });
  });
});
