// @ts-check
// Scenario 4: targeted notifications (the order-tracking case), 1–3 connections per user,
// events to `user:{id}` rooms at a steady rate: deliveries per second per edge core, latency.
import { Fleet } from '../lib/load-fleet.mjs';
import { emitter } from '../lib/platform.mjs';
import { freePort, openWindow, startChild, startService } from '../lib/processes.mjs';
import { now, percentiles, round, sleep, until } from '../lib/stats.mjs';

const TYPE = 'notification.created';

/** @param {import('../bench.mjs').Context} ctx */
export async function targeted(ctx) {
  const userCount = ctx.scaled(ctx.full ? 6_000 : 1_000);
  const rate = ctx.full ? 3_000 : 1_000;
  const seconds = ctx.full ? 30 : 5;
  /** connections of user u: 1, 2 or 3 (tabs and devices) */
  const tabs = (/** @type {number} */ u) => (u % 3) + 1;
  const users = Array.from({ length: userCount }, (_, u) =>
    Array.from({ length: tabs(u) }, () => `${ctx.run}-n${u}`),
  ).flat();
  const fleet = await Fleet.start(users.length, { ...ctx.jwt, roles: ['customer'] });
  /** @type {Record<string, any>} */
  const results = {};
  try {
    for (const target of /** @type {const} */ (['bare', 'ours'])) {
      const key = `bench:${ctx.run}:targeted-${target}`;
      const port = await freePort();
      const server =
        target === 'bare'
          ? await startChild('bare-redis', 'bare-server.mjs', {
              env: { PORT: String(port), BENCH_REDIS_URL: ctx.redisUrl, SOCKET_IO_KEY: key },
            })
          : await startService('connection-edge', {
              name: 'edge',
              port,
              env: { ...ctx.edgeEnv, SOCKET_IO_KEY: key, ...ctx.profileEnv('targeted-edge') },
            });
      ctx.log(
        `targeted: ${target}: ${users.length} connections of ${userCount} users, ${rate} events/s for ${seconds} s`,
      );
      const connect = await fleet.connect({
        url: `http://127.0.0.1:${port}`,
        users,
        channels: users.map(() => []),
        bare: target === 'bare',
        timeoutMs: 120_000,
      });
      const publisher = await emitter(ctx.redisUrl, key);
      await sleep(1_000);
      await fleet.reset();
      const window = await openWindow([server]);
      const total = rate * seconds;
      let expected = 0;
      let sent = 0;
      const started = now();
      while (sent < total && now() - started < seconds * 1000 + 5_000) {
        const due = Math.min(total, Math.floor(((now() - started) / 1000) * rate));
        for (; sent < due; sent++) {
          const u = Math.floor(Math.random() * userCount);
          publisher.emit(`user:${ctx.run}-n${u}`, TYPE, sent);
          expected += tabs(u);
        }
        await sleep(2);
      }
      const sendSeconds = (now() - started) / 1000;
      await until(async () => (await fleet.received()) >= expected, 20_000, 100);
      const usage = (await window.close())[server.name];
      const report = await fleet.report();
      await publisher.close();
      results[target] = {
        connections: connect.ok,
        failedConnections: connect.failed,
        events: sent,
        expected,
        delivered: report.received,
        lost: expected - report.received,
        deliveredPerSecond: round(report.received / sendSeconds, 0),
        serverCpuCores: usage.cpuCores,
        deliveredPerCoreSecond: round(report.received / usage.cpuSeconds, 0),
        latencyMs: percentiles(report.latency),
        lagP99Ms: usage.lagP99Ms,
      };
      await fleet.close();
      await server.stop();
    }
  } finally {
    await fleet.stop();
  }
  const { bare, ours } = results;
  const row = (/** @type {string} */ name, /** @type {any} */ r) => [
    name,
    r.events,
    r.delivered,
    r.lost,
    r.deliveredPerSecond,
    r.serverCpuCores,
    r.deliveredPerCoreSecond,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.latencyMs['p99.9'],
    r.lagP99Ms,
  ];
  return [
    {
      id: '4-targeted-notifications',
      title: 'Targeted notifications',
      scale: `${userCount.toLocaleString('en-US')} users with 1–3 connections each (${users.length.toLocaleString('en-US')} sockets) on one server, ${rate.toLocaleString('en-US')} events/s for ${seconds} s to random \`user:{id}\` rooms through the Redis emitter`,
      results,
      table: {
        headers: [
          'server',
          'events',
          'delivered',
          'lost',
          'delivered/s',
          'server CPU (cores)',
          'delivered per core-second',
          'p50 ms',
          'p99 ms',
          'p99.9 ms',
          'lag p99 ms',
        ],
        rows: [row('bare socket.io + Redis adapter', bare), row('ShopNest edge', ours)],
      },
      targets: [
        {
          name: 'delivered per edge core-second (reported, vs bare)',
          value: `${ours.deliveredPerCoreSecond} vs ${bare.deliveredPerCoreSecond} = ${round(ours.deliveredPerCoreSecond / bare.deliveredPerCoreSecond)}×`,
          met: null,
        },
        {
          name: 'p99 latency (reported)',
          value: `${ours.latencyMs.p99} ms (bare ${bare.latencyMs.p99} ms)`,
          met: null,
        },
        { name: 'no delivery lost', value: `${ours.lost} lost`, met: ours.lost === 0 },
      ],
      panels: [
        {
          title: 'Delivered per core-second of the server',
          unit: 'msg',
          bars: [
            { label: 'ShopNest edge', value: ours.deliveredPerCoreSecond },
            { label: 'bare + redis adapter', value: bare.deliveredPerCoreSecond, kind: 'baseline' },
          ],
        },
        {
          title: 'Latency p99',
          unit: 'ms',
          bars: [
            { label: 'ShopNest edge', value: ours.latencyMs.p99 },
            { label: 'bare + redis adapter', value: bare.latencyMs.p99, kind: 'baseline' },
          ],
        },
      ],
    },
  ];
}
