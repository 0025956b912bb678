// @ts-check
// Scenario 3: one channel, many subscribers across two edges; deliveries per second against
// bare socket.io with the Redis adapter, and against plain TCP (the machine's ceiling).
import { Fleet } from '../lib/load-fleet.mjs';
import { deliveryOf, emitter } from '../lib/platform.mjs';
import { freePort, openWindow, startChild, startService } from '../lib/processes.mjs';
import { now, percentiles, round, sleep, until } from '../lib/stats.mjs';

const CHANNEL = 'ops:orders';
const TYPE = 'order.status_changed';

/** @param {import('../bench.mjs').Context} ctx */
export async function fanout(ctx) {
  const subscribers = ctx.scaled(ctx.full ? 9_000 : 2_000);
  const messages = ctx.full ? 50 : 20;
  const pad = 'x'.repeat(120);
  const frameBytes = Buffer.byteLength(`42${JSON.stringify([TYPE, deliveryOf(CHANNEL, TYPE, 1, now(), pad)])}`);
  const users = Array.from({ length: subscribers }, (_, i) => `${ctx.run}-ops${i}`);
  const channels = users.map(() => [CHANNEL]);
  const fleet = await Fleet.start(subscribers, { ...ctx.jwt, roles: ['ops'] });
  /** @type {Record<string, any>} */
  const results = {};
  try {
    for (const target of /** @type {const} */ (['bare', 'ours'])) {
      const key = `bench:${ctx.run}:fanout-${target}`;
      const ports = [await freePort(), await freePort()];
      const servers =
        target === 'bare'
          ? await Promise.all(
              ports.map((port, i) =>
                startChild(`bare-redis-${i + 1}`, 'bare-server.mjs', {
                  env: { PORT: String(port), BENCH_REDIS_URL: ctx.redisUrl, SOCKET_IO_KEY: key },
                }),
              ),
            )
          : await Promise.all(
              ports.map((port, i) =>
                startService('connection-edge', {
                  name: `edge-${i + 1}`,
                  port,
                  env: { ...ctx.edgeEnv, SOCKET_IO_KEY: key, ...ctx.profileEnv(`fanout-edge-${i + 1}`) },
                }),
              ),
            );
      ctx.log(`fan-out: ${target}: ${subscribers} subscribers on 2 servers`);
      const connect = await fleet.connect({
        url: ports.map((port) => `http://127.0.0.1:${port}`),
        users,
        channels,
        bare: target === 'bare',
        timeoutMs: 120_000,
      });
      const publisher = await emitter(ctx.redisUrl, key);
      await sleep(1_000);
      await fleet.reset();
      const window = await openWindow([...servers, ...fleet.workers]);
      /** @type {number[]} */
      const sentAt = [];
      for (let seq = 0; seq < messages; seq++) sentAt.push(publisher.emit(CHANNEL, TYPE, seq, pad));
      const expected = connect.ok * messages;
      await until(async () => (await fleet.received()) >= expected, 60_000, 100);
      const usage = await window.close();
      const report = await fleet.report();
      await publisher.close();
      const seconds = (report.lastAt - sentAt[0]) / 1000;
      const lastRecipient = sentAt.map((t, seq) => (report.lastBySeq.get(seq) ?? NaN) - t).filter(Number.isFinite);
      results[target] = {
        subscribers: connect.ok,
        messages,
        expected,
        delivered: report.received,
        lost: expected - report.received,
        deliveredPerSecond: round(report.received / seconds, 0),
        seconds: round(seconds, 3),
        latencyMs: percentiles(report.latency),
        timeToLastRecipientMs: percentiles(lastRecipient, [50, 99]),
        serverCpuCores: round(servers.reduce((sum, s) => sum + usage[s.name].cpuCores, 0)),
        loadCpuCores: round(fleet.workers.reduce((sum, w) => sum + usage[w.name].cpuCores, 0)),
      };
      await fleet.close();
      await Promise.all(servers.map((server) => server.stop()));
    }
  } finally {
    await fleet.stop();
  }

  ctx.log(`fan-out: raw TCP ceiling, ${subscribers} sockets × ${messages} messages of ${frameBytes} bytes`);
  const tcpServer = await startChild('tcp-server', 'tcp-ceiling.mjs', { args: ['server'] });
  const tcpClients = await startChild('tcp-clients', 'tcp-ceiling.mjs', { args: ['clients'] });
  let ceiling;
  try {
    await tcpClients.request({
      cmd: 'connect',
      port: tcpServer.ready.port,
      count: subscribers,
      addresses: ['127.0.0.2', '127.0.0.3'],
    });
    await until(async () => (await tcpServer.request({ cmd: 'count' })).sockets >= subscribers, 30_000, 100);
    const blast = await tcpServer.request({ cmd: 'blast', messages, size: frameBytes }, 120_000);
    const expected = subscribers * messages;
    await until(async () => (await tcpClients.request({ cmd: 'count' })).received >= expected, 60_000, 100);
    const counted = await tcpClients.request({ cmd: 'count' });
    const seconds = (counted.lastAt - blast.startedAt) / 1000;
    ceiling = {
      sockets: blast.sockets,
      frameBytes,
      delivered: counted.received,
      deliveredPerSecond: round(counted.received / seconds, 0),
      seconds: round(seconds, 3),
    };
  } finally {
    await Promise.all([tcpServer.stop(), tcpClients.stop()]);
  }

  const { bare, ours } = results;
  const ratio = ours.deliveredPerSecond / bare.deliveredPerSecond;
  return [
    {
      id: '3-room-fanout',
      title: 'Room fan-out',
      scale: `one channel (\`${CHANNEL}\`), ${subscribers.toLocaleString('en-US')} subscribers across two servers, ${messages} messages of ${frameBytes} bytes published back to back through the socket.io Redis emitter${ctx.full ? '' : ' (short run; the issue asks 9,000: `--full`)'}`,
      results: { bare, ours, tcpCeiling: ceiling },
      table: {
        headers: [
          'path',
          'delivered',
          'lost',
          'delivered/s',
          'latency p50 ms',
          'p99 ms',
          'time to last recipient (max) ms',
          'server CPU (cores)',
          'load-gen CPU (cores)',
        ],
        rows: [
          [
            'bare socket.io + Redis adapter ×2',
            bare.delivered,
            bare.lost,
            bare.deliveredPerSecond,
            bare.latencyMs.p50,
            bare.latencyMs.p99,
            bare.timeToLastRecipientMs.max,
            bare.serverCpuCores,
            bare.loadCpuCores,
          ],
          [
            'ShopNest edge ×2',
            ours.delivered,
            ours.lost,
            ours.deliveredPerSecond,
            ours.latencyMs.p50,
            ours.latencyMs.p99,
            ours.timeToLastRecipientMs.max,
            ours.serverCpuCores,
            ours.loadCpuCores,
          ],
          ['raw TCP ceiling (1 process)', ceiling.delivered, 0, ceiling.deliveredPerSecond, '', '', '', '', ''],
        ],
      },
      targets: [
        {
          name: 'delivered/s ≥ 0.8× bare socket.io + Redis adapter',
          value: `${ours.deliveredPerSecond} vs ${bare.deliveredPerSecond} = ${round(ratio)}×`,
          met: ratio >= 0.8,
        },
        { name: 'no delivery lost', value: `${ours.lost} lost`, met: ours.lost === 0 },
        {
          name: 'fraction of the raw TCP ceiling (reported)',
          value: `${round((100 * ours.deliveredPerSecond) / ceiling.deliveredPerSecond, 1)} % of ${ceiling.deliveredPerSecond}/s`,
          met: null,
        },
      ],
      panels: [
        {
          title: 'Delivered messages per second',
          unit: 'msg/s',
          bars: [
            { label: 'ShopNest edge x2', value: ours.deliveredPerSecond },
            { label: 'bare + redis adapter x2', value: bare.deliveredPerSecond, kind: 'baseline' },
            { label: 'raw TCP ceiling', value: ceiling.deliveredPerSecond, kind: 'ceiling' },
          ],
        },
        {
          title: 'Time to last recipient (max)',
          unit: 'ms',
          bars: [
            { label: 'ShopNest edge x2', value: ours.timeToLastRecipientMs.max },
            { label: 'bare + redis adapter x2', value: bare.timeToLastRecipientMs.max, kind: 'baseline' },
          ],
        },
      ],
    },
  ];
}
