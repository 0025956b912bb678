// @ts-check
// Scenario 5: REST status change → order-tracking → Kafka → notification-worker → Redis → edge →
// client, at fixed rates with thousands of clients connected; beside it a control without REST
// and Kafka (the harness emits to Redis as the worker would) and a bare kafkajs hop.
import { availableParallelism } from 'node:os';
import { Fleet } from '../lib/load-fleet.mjs';
import { measureOrderPath } from '../lib/order-path.mjs';
import { latencyCells, markdownTable } from '../lib/report.mjs';
import { emitter } from '../lib/platform.mjs';
import { freePort, startChild, startService } from '../lib/processes.mjs';
import { now, percentiles, round, sleep, until } from '../lib/stats.mjs';

/** @param {import('../bench.mjs').Context} ctx */
export async function endToEnd(ctx) {
  const clients = ctx.scaled(ctx.full ? 10_000 : 2_000);
  const seconds = ctx.full ? 30 : 5;
  const rates = [100, 1_000];
  const users = Array.from({ length: clients }, (_, i) => `${ctx.run}-e${i}`);
  const port = await freePort();
  const edge = await startService('connection-edge', {
    name: 'edge',
    port,
    env: { ...ctx.edgeEnv, ...ctx.hops?.env, ...ctx.profileEnv('e2e-edge') },
  });
  const fleet = await Fleet.start(clients, { ...ctx.jwt, roles: ['customer'] });
  /** @type {any[]} */
  const runs = [];
  /** @type {Record<number, { accepted: number, usage: Record<string, any> }>} CPU and memory per process, per rate */
  const usageByRate = {};
  try {
    const connect = await fleet.connect({
      url: `http://127.0.0.1:${port}`,
      users,
      channels: users.map(() => []),
      bare: false,
      timeoutMs: 120_000,
    });
    ctx.log(`end-to-end: ${connect.ok} clients connected`);
    for (const rate of rates) {
      const measured = await measureOrderPath(ctx, fleet, {
        users,
        rate,
        seconds,
        measured: [ctx.services.orders, ctx.services.worker, edge, ...fleet.workers],
      });
      runs.push(measured.run);
      const { hops } = measured.run;
      if (hops) ctx.log(`end-to-end: ${rate}/s per hop:\n${markdownTable(hopTable({ rate, hops }))}`);
      usageByRate[rate] = { accepted: measured.run.accepted, usage: measured.usage };
      const total = rate * seconds;

      ctx.log(`end-to-end: ${rate}/s: control (Redis emitter → edge → client)`);
      await fleet.reset();
      const publisher = await emitter(ctx.redisUrl, ctx.platformKey);
      const controlStart = now();
      let emitted = 0;
      while (emitted < total && now() - controlStart < seconds * 1000 + 5_000) {
        const due = Math.min(total, Math.floor(((now() - controlStart) / 1000) * rate));
        for (; emitted < due; emitted++)
          publisher.emit(`user:${users[emitted % clients]}`, 'order.status_changed.control', emitted);
        await sleep(2);
      }
      await until(async () => (await fleet.received()) >= emitted, 20_000, 100);
      const control = await fleet.report();
      await publisher.close();
      runs.push({
        rate,
        path: 'control: Redis emitter → edge → client',
        sent: emitted,
        accepted: emitted,
        delivered: control.received,
        lost: emitted - control.received,
        latencyMs: percentiles(control.latency),
      });

      ctx.log(`end-to-end: ${rate}/s: bare kafkajs producer → consumer`);
      const kafka = await startChild('kafka-baseline', 'kafka-baseline.mjs', {
        env: { KAFKA_BROKERS: ctx.kafkaBrokers },
      });
      try {
        const result = await kafka.request(
          { topic: `bench-${ctx.run}-kafka-${rate}`, partitions: 3, rate, seconds, drainMs: 20_000 },
          120_000,
        );
        runs.push({
          rate,
          path: 'bare kafkajs: produce → consume',
          sent: result.sent,
          accepted: result.sent - result.failed,
          delivered: result.received,
          lost: result.sent - result.failed - result.received,
          latencyMs: percentiles(result.latency),
        });
      } finally {
        await kafka.stop();
      }
    }
  } finally {
    await fleet.stop();
    await edge.stop();
  }
  const full = (/** @type {number} */ rate) => runs.find((r) => r.rate === rate && r.path.startsWith('REST'));
  const at1000 = full(1_000);
  const at100 = full(100);
  const control1000 = runs.find((r) => r.rate === 1_000 && r.path.startsWith('control'));
  const kafka1000 = runs.find((r) => r.rate === 1_000 && r.path.startsWith('bare kafkajs'));
  const perEvent = cpuPerEvent(usageByRate);
  return [
    {
      id: '5-end-to-end',
      title: 'End to end',
      scale: `${clients.toLocaleString('en-US')} clients connected to one edge; each rate runs ${seconds} s; one status change per event, delivered to the shopper's \`user:{id}\` room${ctx.full ? '' : ' (short run: `--full` runs 30 s with 10,000 clients)'}`,
      results: { runs, cpuAt1000PerSecond: usageByRate[1_000]?.usage ?? {}, cpuPerEvent: perEvent },
      table: {
        headers: [
          'events/s',
          'path',
          'sent',
          'accepted',
          'delivered',
          'lost',
          'p50 ms',
          'p99 ms',
          'p99.9 ms',
          'max ms',
        ],
        rows: runs.map((r) => [
          r.rate,
          r.path,
          r.sent,
          r.accepted,
          r.delivered,
          r.lost,
          ...latencyCells(r.latencyMs, ['p50', 'p99', 'p99.9', 'max']),
        ]),
      },
      hopTable: {
        title:
          "Where the time goes on the full path: the PATCH round trip (save + publish to Kafka) and the event's `time` (stamped by order-tracking, ms resolution) to the client (Kafka → worker → Redis → edge → client)",
        headers: ['events/s', 'PATCH response p50 ms', 'p99 ms', 'event time → client p50 ms', 'p99 ms'],
        rows: runs
          .filter((r) => r.patchResponseMs)
          .map((r) => [
            r.rate,
            r.patchResponseMs.p50,
            r.patchResponseMs.p99,
            r.eventTimeToClientMs.p50,
            r.eventTimeToClientMs.p99,
          ]),
      },
      moreTables: runs.filter((r) => r.hops).map((r) => hopTable(r)),
      extraTable: cpuPerEventTable(usageByRate, perEvent),
      targets: [
        { name: 'zero loss at 100 events/s', value: `${at100?.lost} of ${at100?.accepted}`, met: at100?.lost === 0 },
        {
          name: 'zero loss at 1,000 events/s',
          value: `${at1000?.lost} of ${at1000?.accepted}`,
          met: at1000?.lost === 0,
        },
        {
          name: 'p50 ≤ 10 ms at 1,000 events/s',
          value: `${at1000?.latencyMs.p50} ms`,
          met: (at1000?.latencyMs.p50 ?? Infinity) <= 10,
        },
        {
          name: 'p99 ≤ 50 ms at 1,000 events/s',
          value: `${at1000?.latencyMs.p99} ms (control ${control1000?.latencyMs.p99} ms, bare Kafka hop ${kafka1000?.latencyMs.p99} ms)`,
          met: (at1000?.latencyMs.p99 ?? Infinity) <= 50,
        },
        {
          name: 'all PATCH requests accepted',
          value: `${at1000?.httpErrors ?? '?'} + ${at100?.httpErrors ?? '?'} refused`,
          met: at1000?.httpErrors === 0 && at100?.httpErrors === 0,
        },
      ],
      panels: rates.map((rate) => ({
        title: `Latency at ${rate} events/s, p50 | p99`,
        unit: 'ms',
        bars: runs
          .filter((r) => r.rate === rate)
          .flatMap((r) => {
            const label = r.path.startsWith('REST')
              ? 'full path'
              : r.path.startsWith('control')
                ? 'control: redis>edge'
                : 'bare kafka hop';
            const kind = r.path.startsWith('REST') ? 'ours' : r.path.startsWith('control') ? 'other' : 'baseline';
            return [
              { label: `${label} p50`, value: r.latencyMs.p50 ?? NaN, kind },
              { label: `${label} p99`, value: r.latencyMs.p99 ?? NaN, kind },
            ];
          }),
      })),
    },
  ];
}

/**
 * The per-hop table of one rate's full-path run (lib/hop-collector.mjs).
 * @param {{ rate: number, hops: { traced: number, of: number, hops: { hop: string, ms: Record<string, number> }[] } }} run
 */
function hopTable(run) {
  return {
    title: `Per hop at ${run.rate} events/s (from the services' spans; ${run.hops.traced} of ${run.hops.of} delivered events had every hop traced)`,
    headers: ['hop', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    rows: run.hops.hops.map((h) => [h.hop, ...latencyCells(h.ms, ['p50', 'p90', 'p99', 'max'])]),
  };
}

/**
 * CPU ms per accepted event, process by process, at each rate: the whole path's cost, and what
 * rate the machine's cores could carry at that cost if nothing else ran.
 * @param {Record<number, { accepted: number, usage: Record<string, any> }>} usageByRate
 */
function cpuPerEvent(usageByRate) {
  /** @type {Record<number, Record<string, number>>} */
  const out = {};
  for (const [rate, { accepted, usage }] of Object.entries(usageByRate)) {
    out[Number(rate)] = Object.fromEntries(
      Object.entries(usage).map(([name, u]) => [name, round((u.cpuSeconds * 1000) / Math.max(1, accepted))]),
    );
  }
  return out;
}

/**
 * @param {Record<number, { accepted: number, usage: Record<string, any> }>} usageByRate
 * @param {ReturnType<typeof cpuPerEvent>} perEvent
 */
function cpuPerEventTable(usageByRate, perEvent) {
  const rates = Object.keys(usageByRate).map(Number);
  const names = [...new Set(rates.flatMap((rate) => Object.keys(usageByRate[rate]?.usage ?? {})))];
  const total = (/** @type {number} */ rate) =>
    round(Object.values(perEvent[rate] ?? {}).reduce((sum, ms) => sum + (Number.isFinite(ms) ? ms : 0), 0));
  const at1000 = usageByRate[1_000]?.usage ?? {};
  const cores = availableParallelism();
  return {
    title:
      `CPU per event, process by process (CPU ms in the window ÷ events accepted; the window runs until the last event arrived), and at 1,000 events/s the cores, memory and event-loop lag. ` +
      `The last row: how many events/s this machine's ${cores} cores could carry at the total's cost, if nothing else ran.`,
    headers: [
      'process',
      ...rates.map((rate) => `CPU ms per event at ${rate}/s`),
      'CPU (cores) at 1,000/s',
      'RSS MB',
      'event-loop lag p99 ms',
    ],
    rows: [
      ...names.map((name) => [
        name,
        ...rates.map((rate) => perEvent[rate]?.[name] ?? ''),
        at1000[name]?.cpuCores ?? '',
        at1000[name]?.rssMb ?? '',
        at1000[name]?.lagP99Ms ?? '',
      ]),
      ['total', ...rates.map(total), '', '', ''],
      [`ceiling: ${cores} cores ÷ total`, ...rates.map((rate) => Math.round((cores * 1000) / total(rate))), '', '', ''],
    ],
  };
}
