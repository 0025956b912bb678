// @ts-check
// Scenario 3: one channel, many subscribers across two edges; deliveries per second against
// bare socket.io with the Redis adapter, and against plain TCP (the machine's ceiling). Our edges
// run twice, with socket.io's JSON parser and with MessagePack (SOCKET_IO_PARSER), to compare
// bytes and CPU per delivery in the same run.
import { Fleet } from '../lib/load-fleet.mjs';
import { deliveryOf, emitter } from '../lib/platform.mjs';
import { freePort, openWindow, startChild, startService } from '../lib/processes.mjs';
import { now, percentiles, round, sleep, until } from '../lib/stats.mjs';
import { measureTcpCeiling } from '../lib/tcp-ceiling.mjs';

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
    for (const target of /** @type {const} */ (['bare', 'ours', 'oursMsgpack'])) {
      const key = `bench:${ctx.run}:fanout-${target}`;
      const parser = target === 'oursMsgpack' ? 'msgpack' : 'json';
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
                  env: {
                    ...ctx.edgeEnv,
                    SOCKET_IO_KEY: key,
                    SOCKET_IO_PARSER: parser,
                    // The edges' own ops.stats reports go to ops:orders too: they would count as deliveries.
                    OPS_STATS_INTERVAL_MS: '0',
                    ...ctx.profileEnv(`fanout-${parser}-edge-${i + 1}`),
                  },
                }),
              ),
            );
      ctx.log(`fan-out: ${target}: ${subscribers} subscribers on 2 servers`);
      const connect = await fleet.connect({
        url: ports.map((port) => `http://127.0.0.1:${port}`),
        users,
        channels,
        bare: target === 'bare',
        parser,
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
      const serverCpuSeconds = servers.reduce((sum, s) => sum + usage[s.name].cpuSeconds, 0);
      const loadCpuSeconds = fleet.workers.reduce((sum, w) => sum + usage[w.name].cpuSeconds, 0);
      results[target] = {
        parser,
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
        // What the parser puts on the wire per delivery (the WebSocket payload of one socket.io message).
        bytesPerDelivery: round(report.messageBytes / report.messageFrames, 1),
        // CPU time of the window per delivery: the servers' (encode + write) and the clients' (read + decode).
        serverCpuUsPerDelivery: round((1e6 * serverCpuSeconds) / report.received, 2),
        loadCpuUsPerDelivery: round((1e6 * loadCpuSeconds) / report.received, 2),
      };
      await fleet.close();
      await Promise.all(servers.map((server) => server.stop()));
    }
  } finally {
    await fleet.stop();
  }

  const repetitions = ctx.full ? 7 : 5;
  ctx.log(
    `fan-out: raw TCP ceiling, ${subscribers} sockets on 2 processes, frames of ${frameBytes} bytes: warm-up + ${repetitions} rounds`,
  );
  const ceiling = await measureTcpCeiling({
    startChild,
    sockets: subscribers,
    // As many writing processes as socket.io servers compared: one process alone is not the machine's ceiling.
    servers: 2,
    frameBytes,
    addresses: ['127.0.0.2', '127.0.0.3'],
    repetitions,
    windowMs: ctx.full ? 2_000 : 1_000,
    minMessages: messages,
    maxMessages: 2_000,
  });

  const { bare, ours, oursMsgpack } = results;
  const ratio = ours.deliveredPerSecond / bare.deliveredPerSecond;
  const msgpackWins =
    oursMsgpack.bytesPerDelivery < ours.bytesPerDelivery &&
    oursMsgpack.serverCpuUsPerDelivery < ours.serverCpuUsPerDelivery;
  /** @type {[string, Record<string, any>, 'ours' | 'baseline'][]} */
  const paths = [
    ['ShopNest edge x2 (JSON)', ours, 'ours'],
    ['ShopNest edge x2 (MessagePack)', oursMsgpack, 'ours'],
    ['bare socket.io + Redis adapter x2', bare, 'baseline'],
  ];
  /** One bar per path of a chart panel. @param {(r: Record<string, any>) => number} measure */
  const bars = (measure) => paths.map(([label, r, kind]) => ({ label, value: measure(r), kind }));
  /** @param {string} label @param {Record<string, any>} r */
  const row = (label, r) => [
    label,
    r.delivered,
    r.lost,
    r.deliveredPerSecond,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.timeToLastRecipientMs.max,
    r.bytesPerDelivery,
    r.serverCpuCores,
    r.serverCpuUsPerDelivery,
    r.loadCpuCores,
    r.loadCpuUsPerDelivery,
  ];
  return [
    {
      id: '3-room-fanout',
      title: 'Room fan-out',
      scale: `one channel (\`${CHANNEL}\`), ${subscribers.toLocaleString('en-US')} subscribers across two servers, ${messages} messages of ${frameBytes} bytes published back to back through the socket.io Redis emitter${ctx.full ? '' : ' (short run; the issue asks 9,000: `--full`)'}`,
      results: { bare, ours, oursMsgpack, tcpCeiling: ceiling },
      table: {
        headers: [
          'path',
          'delivered',
          'lost',
          'delivered/s',
          'latency p50 ms',
          'p99 ms',
          'time to last recipient (max) ms',
          'bytes/delivery',
          'server CPU (cores)',
          'server CPU µs/delivery',
          'load-gen CPU (cores)',
          'load-gen CPU µs/delivery',
        ],
        rows: [
          row('bare socket.io + Redis adapter ×2', bare),
          row('ShopNest edge ×2 (JSON, default)', ours),
          row('ShopNest edge ×2 (MessagePack)', oursMsgpack),
          [
            `raw TCP ceiling (2 processes; median of ${ceiling.roundsPerSecond.length} rounds)`,
            ceiling.delivered,
            0,
            `${ceiling.deliveredPerSecond} (${ceiling.minPerSecond}–${ceiling.maxPerSecond})`,
            '',
            '',
            '',
            frameBytes - 1,
            '',
            '',
            '',
            '',
          ],
        ],
      },
      moreTables: [
        {
          title: `Raw TCP ceiling: ${ceiling.servers} processes writing to ${ceiling.sockets} sockets; a warm-up round (${ceiling.warmUpPerSecond}/s, discarded) sized the rounds at ${ceiling.messagesPerRound} messages (${ceiling.deliveredPerRound} deliveries) each`,
          headers: ['round', 'seconds', 'delivered/s'],
          rows: ceiling.roundsPerSecond.map((rate, i) => [i + 1, ceiling.roundSeconds[i], rate]),
        },
      ],
      targets: [
        {
          name: 'delivered/s ≥ 0.8× bare socket.io + Redis adapter',
          value: `${ours.deliveredPerSecond} vs ${bare.deliveredPerSecond} = ${round(ratio)}×`,
          met: ratio >= 0.8,
        },
        { name: 'no delivery lost', value: `${ours.lost} lost`, met: ours.lost === 0 },
        {
          name: 'fraction of the raw TCP ceiling (reported; median of the rounds, spread min–max)',
          value: `${round((100 * ours.deliveredPerSecond) / ceiling.deliveredPerSecond, 1)} % of ${ceiling.deliveredPerSecond}/s (${ceiling.minPerSecond}–${ceiling.maxPerSecond})`,
          met: null,
        },
        {
          name: 'MessagePack vs JSON, same run (reported; JSON stays the default unless MessagePack wins on both)',
          value: `bytes/delivery ${oursMsgpack.bytesPerDelivery} vs ${ours.bytesPerDelivery}; server CPU µs/delivery ${oursMsgpack.serverCpuUsPerDelivery} vs ${ours.serverCpuUsPerDelivery}; ${msgpackWins ? 'MessagePack wins on both' : 'MessagePack does not win on both'}`,
          met: null,
        },
      ],
      panels: [
        {
          title: 'Delivered messages per second (higher is better)',
          unit: 'deliveries/s',
          bars: [
            ...bars((r) => r.deliveredPerSecond),
            { label: 'raw TCP, 2 processes (median)', value: ceiling.deliveredPerSecond, kind: 'ceiling' },
          ],
        },
        {
          title: 'Time to last recipient, max (lower is better)',
          unit: 'ms',
          bars: bars((r) => r.timeToLastRecipientMs.max),
        },
        {
          title: 'Bytes per delivery, WebSocket payload (lower is better)',
          unit: 'bytes',
          bars: bars((r) => r.bytesPerDelivery),
        },
        {
          title: 'Server CPU per delivery (lower is better)',
          unit: 'µs of CPU per delivery',
          bars: bars((r) => r.serverCpuUsPerDelivery),
        },
      ],
    },
  ];
}
