// @ts-check
// Scenarios 1 (idle density) and 2 (connect rate, reconnect storm), measured on one set of
// connections per server: bare socket.io first, then our edge.
import { join } from 'node:path';
import { Fleet } from '../lib/load-fleet.mjs';
import { http, STATUSES, token } from '../lib/platform.mjs';
import { freePort, openWindow, startChild, startService } from '../lib/processes.mjs';
import { now, round, sleep, until } from '../lib/stats.mjs';

/** @param {import('../bench.mjs').Context} ctx */
export async function densityAndConnect(ctx) {
  const n = ctx.scaled(ctx.full ? 19_000 : 2_000);
  const idleSeconds = ctx.full ? 30 : 5;
  const lossSample = Math.min(50, n);
  const users = Array.from({ length: n }, (_, i) => `${ctx.run}-c${i}`);
  ctx.log(`density: creating ${n} orders (one per client)`);
  const orders = await ctx.createOrders(users);
  const channels = users.map((_, i) => [`order:${orders[i]}`]);
  const fleet = await Fleet.start(n, { ...ctx.jwt, roles: ['customer'] });
  /** @type {Record<string, any>} */
  const results = {};
  try {
    for (const target of /** @type {const} */ (['bare', 'ours'])) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      // The restarted edge profiles into its own file, so the first one's (the connect phase) is kept.
      const start = async (/** @type {string} */ profile = 'density-edge') =>
        target === 'bare'
          ? startChild('bare-socket.io', 'bare-server.mjs', { env: { PORT: String(port) } })
          : startService('connection-edge', {
              name: 'edge',
              port,
              env: { ...ctx.edgeEnv, ...ctx.profileEnv(profile) },
            });
      let server = await start();
      ctx.log(`density: ${target}: connecting ${n} clients`);
      // A warm-up batch first, so one-off costs (JIT, lazy modules, first-use caches) stay out of
      // the per-connection figures and the rate.
      const warm = Math.max(10, Math.round(n / 20));
      const warmup = await fleet.connect({
        url,
        users: users.slice(0, warm),
        channels: channels.slice(0, warm),
        bare: target === 'bare',
        reconnection: true,
        timeoutMs: 60_000,
      });
      await sleep(500);
      // BENCH_HEAP_SNAPSHOTS=<dir>: V8 heap snapshots of each server before and after the main batch,
      // to account for the heap per connection by constructor (see docs/benchmarks/README.md).
      const snapshot = (/** @type {string} */ when) =>
        process.env['BENCH_HEAP_SNAPSHOTS']
          ? { heapSnapshot: join(process.env['BENCH_HEAP_SNAPSHOTS'], `${target}-${when}.heapsnapshot`) }
          : {};
      const empty = await server.sample({ gc: true, ...snapshot('empty') });
      if (target === 'ours') await fleet.signTokens(users.slice(warm));
      // Where the CPU of a connect + subscribe goes, process by process (order-tracking answers
      // our edge's order-access look-ups; Redis serves its admission, budget and history reads).
      const lookups = target === 'ours' ? [ctx.services.orders] : [];
      const cpuWindow = await openWindow(
        [server, ...lookups, ...fleet.workers],
        target === 'ours' && ctx.pids['redis'] ? { redis: ctx.pids['redis'] } : {},
      );
      const main = await fleet.connect({
        url,
        users: users.slice(warm),
        channels: channels.slice(warm),
        bare: target === 'bare',
        reconnection: true,
        timeoutMs: ctx.full ? 300_000 : 90_000,
      });
      const connect = { ...main, ok: main.ok + warmup.ok, failed: main.failed + warmup.failed };
      const cpu = await cpuWindow.close();
      // Refusals retried while connecting (warm-up included), apart from the storm's below.
      const connectRefusals = { ...(await fleet.status()).refusals };
      /**
       * CPU ms per connected client of the main batch, summed over the named processes.
       * @param {string[]} names
       */
      const cpuMs = (names) =>
        round((names.reduce((sum, name) => sum + (cpu[name]?.cpuSeconds ?? 0), 0) * 1000) / main.ok, 3);
      const cpuPerClientMs = {
        server: cpuMs([server.name]),
        orderTracking: target === 'ours' ? cpuMs([ctx.services.orders.name]) : null,
        redis: target === 'ours' ? cpuMs(['redis']) : null,
        load: cpuMs(fleet.workers.map((worker) => worker.name)),
      };
      await sleep(2_000);
      const loaded = await server.sample({ gc: true, ...snapshot('loaded') });
      const heapPerConn = (loaded.mem.heapUsed - empty.mem.heapUsed) / main.ok;
      const rssPerConn = (loaded.mem.rss - empty.mem.rss) / main.ok;
      const idle = await openWindow([server]);
      await sleep(idleSeconds * 1_000);
      const idleStats = (await idle.close())[server.name];

      // Reconnect storm: events published while the edge is down must reach the clients after
      // they reconnect and resume (ours only: the bare server has no history).
      const probe = target === 'ours' ? orders.slice(0, lossSample) : [];
      const ops = token('bench-ops', ['ops']);
      if (probe.length) {
        await fleet.reset();
        await Promise.all(
          probe.map((id) => http('PATCH', `${ctx.ordersUrl}/orders/${id}/status`, ops, { status: STATUSES[1] })),
        );
        await until(
          async () => new Set((await fleet.report(false)).orderEvents.map(([key]) => key)).size >= probe.length,
          20_000,
          200,
        );
      }
      ctx.log(`density: ${target}: restarting the server (reconnect storm)`);
      // How long the graceful shutdown of a loaded server takes (SIGTERM → exit), and how it ended.
      const stopping = now();
      const exitCode = await server.stop();
      const stop = { seconds: round((now() - stopping) / 1000, 2), exitCode };
      const whileDown = await Promise.all(
        probe.map((id) => http('PATCH', `${ctx.ordersUrl}/orders/${id}/status`, ops, { status: STATUSES[2] })),
      );
      const down = now();
      server = await start('density-edge-restarted');
      const up = now();
      const stormDeadlineMs = ctx.full ? 180_000 : 60_000;
      await until(async () => (await fleet.status()).resubscribed >= connect.ok, stormDeadlineMs, 250);
      const status = await fleet.status();
      let lost = null;
      if (probe.length) {
        const accepted = whileDown.filter((r) => r.status === 200).length;
        const arrived = async () =>
          new Set(
            (await fleet.report(false)).orderEvents
              .filter(([key]) => key.endsWith(`|${STATUSES[2]}`))
              .map(([key]) => key),
          ).size;
        await until(async () => (await arrived()) >= accepted, 15_000, 250);
        lost = accepted - (await arrived());
      }
      results[target] = {
        clients: n,
        connected: connect.ok,
        failed: connect.failed,
        connectSeconds: connect.seconds,
        connectsPerSecond: connect.perSecond,
        connectMs: connect.connectMs,
        cpuPerClientMs,
        errors: connect.errors,
        /** subscribe refusals by code while connecting; the clients retried them as the SDK does */
        refusals: connectRefusals,
        heapPerConnKiB: round(heapPerConn / 1024),
        rssPerConnKiB: round(rssPerConn / 1024),
        heapMb: round(loaded.mem.heapUsed / 2 ** 20),
        rssMb: round(loaded.mem.rss / 2 ** 20),
        idleCpuCores: idleStats.cpuCores,
        idleLagP99Ms: idleStats.lagP99Ms,
        storm: {
          /** SIGTERM → exit of the loaded server, and its exit code (ours: 1 when the drain outlived SHUTDOWN_TIMEOUT_MS) */
          stop,
          serverDownSeconds: round((up - down) / 1000, 2),
          resubscribed: status.resubscribed,
          failed: connect.ok - status.resubscribed,
          secondsAfterRestart: status.lastResubscribedAt ? round((status.lastResubscribedAt - up) / 1000, 2) : null,
          recovered: status.recovered,
          notRecovered: status.notRecovered,
          eventsPublishedWhileDown: probe.length ? whileDown.filter((r) => r.status === 200).length : null,
          eventsLost: lost,
          /** subscribe refusals by code in the storm alone */
          refusals: Object.fromEntries(
            Object.entries(status.refusals)
              .map(([code, count]) => /** @type {[string, number]} */ ([code, count - (connectRefusals[code] ?? 0)]))
              .filter(([, count]) => count > 0),
          ),
        },
      };
      await fleet.close();
      await server.stop();
    }
  } finally {
    await fleet.stop();
  }
  const { bare, ours } = results;
  const scale = `${n.toLocaleString('en-US')} connections${ctx.full ? '' : ' (short run; the issue asks 19,000: `--full`)'}, each in 2 channels (user room + own order)`;
  const heapRatio = ours.heapPerConnKiB / bare.heapPerConnKiB;
  const connectRatio = ours.connectsPerSecond / bare.connectsPerSecond;
  return [
    {
      id: '1-idle-density',
      title: 'Idle density',
      scale,
      results: {
        bare: pick(bare, 'connected heapPerConnKiB rssPerConnKiB heapMb rssMb idleCpuCores idleLagP99Ms'),
        ours: pick(ours, 'connected heapPerConnKiB rssPerConnKiB heapMb rssMb idleCpuCores idleLagP99Ms'),
      },
      table: {
        headers: [
          'server',
          'connections',
          'heap/conn KiB',
          'RSS growth/conn KiB',
          'heap MB',
          'RSS MB',
          'idle CPU (cores)',
          'event-loop lag p99 ms',
        ],
        rows: [bare, ours].map((r, i) => [
          i ? 'ShopNest edge' : 'bare socket.io',
          r.connected,
          r.heapPerConnKiB,
          r.rssPerConnKiB,
          r.heapMb,
          r.rssMb,
          r.idleCpuCores,
          r.idleLagP99Ms,
        ]),
      },
      targets: [
        {
          name: 'heap per connection ≤ 1.25× bare socket.io',
          value: `${ours.heapPerConnKiB} KiB vs ${bare.heapPerConnKiB} KiB = ${round(heapRatio)}×`,
          met: heapRatio <= 1.25,
        },
        {
          name: 'memory per connection (RSS growth, heap included) ≤ 25 KiB',
          value: `${ours.rssPerConnKiB} KiB`,
          met: ours.rssPerConnKiB <= 25,
        },
      ],
      panels: [
        {
          title: 'Heap per connection',
          unit: 'KiB',
          bars: [
            { label: 'ShopNest edge', value: ours.heapPerConnKiB },
            { label: 'bare socket.io', value: bare.heapPerConnKiB, kind: 'baseline' },
          ],
        },
        {
          title: 'RSS growth per connection',
          unit: 'KiB',
          bars: [
            { label: 'ShopNest edge', value: ours.rssPerConnKiB },
            { label: 'bare socket.io', value: bare.rssPerConnKiB, kind: 'baseline' },
          ],
        },
        {
          title: 'Idle event-loop lag p99',
          unit: 'ms',
          bars: [
            { label: 'ShopNest edge', value: ours.idleLagP99Ms },
            { label: 'bare socket.io', value: bare.idleLagP99Ms, kind: 'baseline' },
          ],
        },
      ],
    },
    {
      id: '2-connect-and-storm',
      title: 'Connect rate and reconnect storm',
      scale: `${scale}; after a 5 % warm-up batch, clients connect and subscribe 100 at a time per load process (rate and memory are measured on the rest); then the server restarts`,
      results: {
        bare: pick(
          bare,
          'connected failed connectSeconds connectsPerSecond connectMs cpuPerClientMs errors refusals storm',
        ),
        ours: pick(
          ours,
          'connected failed connectSeconds connectsPerSecond connectMs cpuPerClientMs errors refusals storm',
        ),
      },
      table: {
        headers: [
          'server',
          'connected',
          'failed',
          'connect+subscribe /s',
          'p50 ms',
          'p99 ms',
          'CPU ms per client: server / order-tracking / Redis / load',
          'stop s (exit code)',
          'restart: resubscribed',
          'failed',
          's after restart',
          'events lost while down',
          'subscribe refusals, retried: connect / storm',
        ],
        rows: [bare, ours].map((r, i) => [
          i ? 'ShopNest edge' : 'bare socket.io',
          r.connected,
          r.failed,
          r.connectsPerSecond,
          r.connectMs.p50,
          r.connectMs.p99,
          [
            r.cpuPerClientMs.server,
            r.cpuPerClientMs.orderTracking ?? '–',
            r.cpuPerClientMs.redis ?? '–',
            r.cpuPerClientMs.load,
          ].join(' / '),
          `${r.storm.stop.seconds} (${r.storm.stop.exitCode})`,
          r.storm.resubscribed,
          r.storm.failed,
          r.storm.secondsAfterRestart,
          r.storm.eventsLost === null ? 'n/a' : `${r.storm.eventsLost} of ${r.storm.eventsPublishedWhileDown}`,
          `${describeRefusals(r.refusals)} / ${describeRefusals(r.storm.refusals)}`,
        ]),
      },
      targets: [
        {
          name: 'connect rate ≥ 0.7× bare socket.io',
          value: `${ours.connectsPerSecond}/s vs ${bare.connectsPerSecond}/s = ${round(connectRatio)}×`,
          met: connectRatio >= 0.7,
        },
        {
          name: 'no client left failed after the restart',
          value: `${ours.storm.failed} failed (+${ours.failed} at first connect)`,
          met: ours.storm.failed === 0 && ours.failed === 0,
        },
        {
          name: 'no event lost across the restart',
          value: `${ours.storm.eventsLost} of ${ours.storm.eventsPublishedWhileDown} lost`,
          met: ours.storm.eventsLost === 0,
        },
      ],
      panels: [
        {
          title: 'Connect + subscribe rate',
          unit: 'clients/s',
          bars: [
            { label: 'ShopNest edge', value: ours.connectsPerSecond },
            { label: 'bare socket.io', value: bare.connectsPerSecond, kind: 'baseline' },
          ],
        },
        {
          title: 'All resubscribed after restart',
          unit: 's',
          bars: [
            { label: 'ShopNest edge', value: ours.storm.secondsAfterRestart ?? NaN },
            { label: 'bare socket.io', value: bare.storm.secondsAfterRestart ?? NaN, kind: 'baseline' },
          ],
        },
      ],
    },
  ];
}

/** @param {Record<string, any>} object @param {string} keys */
const pick = (object, keys) => Object.fromEntries(keys.split(' ').map((key) => [key, object[key]]));

/** @param {Record<string, number>} refusals by code */
function describeRefusals(refusals) {
  return (
    Object.entries(refusals)
      .map(([code, count]) => `${code} ${count}`)
      .join(', ') || 'none'
  );
}
