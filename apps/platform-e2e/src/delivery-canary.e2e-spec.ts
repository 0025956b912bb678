import { freePort, runId, ServiceProcess, signTestToken, startService, waitFor } from '@shopnest/testing';
import { Clients, Platform, platformEnv, READY_TIMEOUT_MS, send, startPlatform } from './support/platform';

/**
 * Readiness that proves delivery: the workers' canaries cross Kafka, the worker, history and Redis
 * to every edge; an edge's `/health/delivery` turns 503 when they stop arriving (the worker is down)
 * and 200 again once they are back. No client ever receives one.
 */
describe('delivery canary: every edge knows whether events can reach it', () => {
  const run = runId();
  const clients = new Clients();
  const infra = { workerEnv: { CANARY_INTERVAL_MS: '300' } };
  const edgeEnv = { CANARY_MAX_AGE_MS: '3000' };
  let platform: Platform;
  let restarted: ServiceProcess | undefined;

  beforeAll(async () => {
    platform = await startPlatform(
      run,
      [
        { name: 'edge-1', env: edgeEnv },
        { name: 'edge-2', env: edgeEnv },
      ],
      infra,
    );
  }, 180_000);

  afterAll(async () => {
    clients.closeAll();
    await restarted?.stop();
    await platform?.stop();
  });

  const delivery = async (edge: ServiceProcess) => {
    const response = await fetch(`${edge.url}/health/delivery`);
    return { status: response.status, body: (await response.json()) as { canaryAgeMs: number | null } };
  };
  const allAnswer = async (status: number) =>
    (await Promise.all(platform.edges.map(delivery))).every((answer) => answer.status === status);

  it('answers 200 while canaries flow, 503 within the threshold once the worker stops, 200 after it is back', async () => {
    await waitFor(() => allAnswer(200), 30_000);
    expect((await delivery(platform.edges[0] as ServiceProcess)).body.canaryAgeMs).toBeLessThan(3_000);

    const user = `canary-watcher-${run}`;
    const socket = await clients.connect(platform.edges[0] as ServiceProcess, signTestToken(user));
    const heard: string[] = [];
    socket.onAny((name: string) => heard.push(name));
    expect(await send(socket, 'subscribe', { channel: 'system:canary' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID' },
    });

    const stoppedAt = Date.now();
    await platform.worker.stop();
    await waitFor(() => allAnswer(503), 15_000);
    // 3 s of silence, plus up to a second of the last canary's flight and the gauge's tick.
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);

    restarted = await startService({
      app: 'notification-worker',
      port: await freePort(),
      env: platformEnv(run, infra).worker,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    await waitFor(() => allAnswer(200), 30_000);
    expect(heard.filter((name) => name.startsWith('canary'))).toEqual([]);
  }, 120_000);
});
