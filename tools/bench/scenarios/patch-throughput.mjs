// @ts-check
// Scenario 7: order-tracking's request path alone. A bare Fastify + pg server running the same
// SQL on the same schema (lib/bare-orders-server.mjs) and order-tracking are driven one after the
// other by the same closed-loop generator (lib/http-load.mjs) at full speed: POST /orders for the
// orders, then PATCH /orders/:id/status through their statuses. Target: order-tracking's PATCH/s
// ≥ 0.7× the bare server's. A GET /ping of the bare server, which touches no database, shows the
// generator's own ceiling.
import { drive } from '../lib/http-load.mjs';
import { JWT_ENV, STATUSES, token } from '../lib/platform.mjs';
import { freePort, openWindow, startChild, startService } from '../lib/processes.mjs';
import { round } from '../lib/stats.mjs';

/** Keep-alive connections of the generator: enough to keep either server's pool of 10 busy. */
const CONNECTIONS = 32;

/** @param {import('../bench.mjs').Context} ctx */
export async function patchThroughput(ctx) {
  const orderCount = ctx.scaled(ctx.full ? 12_000 : 3_000);
  const seconds = ctx.full ? 30 : 6;
  const schema = `bench_${ctx.run}_patch`;
  const database = {
    DATABASE_URL: ctx.databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_MAX: '10',
  };
  // Its own order-tracking (no tracing, default settings), which also migrates the schema the bare server uses.
  const orders = await startService('order-tracking', {
    name: 'order-tracking-patch',
    port: await freePort(),
    env: {
      ...JWT_ENV,
      EVENT_BUS: 'kafka',
      KAFKA_BROKERS: ctx.kafkaBrokers,
      KAFKA_TOPIC_PREFIX: `bench-${ctx.run}-patch.`,
      ...database,
      ...ctx.profileEnv('patch-order-tracking'),
    },
  });
  const barePort = await freePort();
  const bare = await startChild('bare-orders', 'bare-orders-server.mjs', {
    env: { PORT: String(barePort), ...database },
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const customer = token(`${ctx.run}-patch-customer`);
  const ops = token(`${ctx.run}-patch-ops`, ['ops']);
  /** @type {Record<string, any>} */
  const results = {};
  try {
    ctx.log(`patch throughput: generator ceiling (GET /ping on the bare server, ${CONNECTIONS} connections)`);
    results.ping = await drive({
      url: bareUrl,
      connections: CONNECTIONS,
      seconds: 3,
      maxRequests: 200_000,
      next: () => ({ method: 'GET', path: '/ping', bearer: ops }),
    });
    for (const [target, server] of /** @type {const} */ ([
      ['bare', bare],
      ['ours', orders],
    ])) {
      const url = target === 'bare' ? bareUrl : orders.url;
      ctx.log(`patch throughput: ${target}: POST /orders ×${orderCount}`);
      /** @type {string[]} */
      const ids = [];
      const create = await drive({
        url,
        connections: CONNECTIONS,
        seconds: seconds * 2,
        maxRequests: orderCount,
        next: () => ({
          method: 'POST',
          path: '/orders',
          bearer: customer,
          body: { itemsSummary: 'bench', totalCents: 100 },
        }),
        onBody: (_, status, body) => {
          if (status === 201) ids.push(JSON.parse(body).id);
        },
      });
      ctx.log(`patch throughput: ${target}: PATCH /orders/:id/status for ${seconds} s (${ids.length} orders)`);
      const window = await openWindow([server]);
      // Request i moves order i mod n one status on: an order's next change is n requests later,
      // long after its previous one was answered, so no two changes of one order race.
      const patch = await drive({
        url,
        connections: CONNECTIONS,
        seconds,
        maxRequests: ids.length * (STATUSES.length - 1),
        next: (i) => ({
          method: 'PATCH',
          path: `/orders/${ids[i % ids.length]}/status`,
          bearer: ops,
          body: { status: STATUSES[Math.floor(i / ids.length) + 1] },
        }),
      });
      const usage = (await window.close())[server.name];
      results[target] = { create, patch, usage };
    }
  } finally {
    await Promise.all([bare.stop(), orders.stop()]);
  }
  const ratio = round(results.ours.patch.perSecond / results.bare.patch.perSecond);
  const createRatio = round(results.ours.create.perSecond / results.bare.create.perSecond);
  const pingOverBare = round(results.ping.perSecond / results.bare.patch.perSecond, 1);
  /** @param {import('../lib/http-load.mjs').LoadResult} run */
  const refused = (run) =>
    Object.entries(run.statuses)
      .filter(([status]) => !status.startsWith('2'))
      .reduce((sum, [, n]) => sum + n, 0);
  /** @param {any} r */
  const cpuPerPatch = (r) => (r.usage ? round((r.usage.cpuSeconds * 1000) / r.patch.requests) : NaN);
  /** @param {string} label @param {any} r */
  const row = (label, r) => [
    label,
    r.create.perSecond,
    r.patch.perSecond,
    r.patch.requests,
    r.patch.latencyMs.p50,
    r.patch.latencyMs.p99,
    r.patch.latencyMs.max,
    refused(r.create) + refused(r.patch),
    r.usage?.cpuCores ?? '',
    cpuPerPatch(r),
    r.patch.generatorCpuCores,
  ];
  return [
    {
      id: '7-patch-throughput',
      title: 'order-tracking PATCH throughput',
      scale: `${orderCount.toLocaleString('en-US')} orders created over REST, then PATCH /orders/:id/status through their statuses for at most ${seconds} s; ${CONNECTIONS} keep-alive connections, closed loop; both servers on one schema with a pool of 10`,
      results,
      table: {
        headers: [
          'server',
          'POST /orders per s',
          'PATCH per s',
          'PATCHes',
          'PATCH p50 ms',
          'p99 ms',
          'max ms',
          'non-2xx',
          'server CPU (cores)',
          'server CPU ms per PATCH',
          'generator CPU (cores)',
        ],
        rows: [
          row('bare Fastify + pg, same SQL', results.bare),
          row('order-tracking', results.ours),
          [
            'generator ceiling: GET /ping on the bare server',
            '',
            results.ping.perSecond,
            results.ping.requests,
            results.ping.latencyMs.p50,
            results.ping.latencyMs.p99,
            results.ping.latencyMs.max,
            refused(results.ping),
            '',
            '',
            results.ping.generatorCpuCores,
          ],
        ],
      },
      targets: [
        {
          name: 'PATCH/s ≥ 0.7× bare Fastify + pg (same SQL)',
          value: `${results.ours.patch.perSecond} vs ${results.bare.patch.perSecond}/s = ${ratio}×`,
          met: ratio >= 0.7,
        },
        {
          // On a busy machine the database caps both servers alike; CPU per request still tells them apart.
          name: 'server CPU per PATCH vs bare',
          value: `${cpuPerPatch(results.ours)} vs ${cpuPerPatch(results.bare)} ms`,
          met: null,
        },
        {
          name: 'POST /orders per s vs bare',
          value: `${results.ours.create.perSecond} vs ${results.bare.create.perSecond}/s = ${createRatio}×`,
          met: null,
        },
        {
          name: 'load generator not the limit (GET /ping ≥ 2× bare PATCH/s)',
          value: `${results.ping.perSecond}/s = ${pingOverBare}×`,
          met: pingOverBare >= 2,
        },
      ],
      panels: [
        {
          title: 'PATCH /orders/:id/status per second',
          unit: '/s',
          bars: [
            { label: 'bare fastify+pg', value: results.bare.patch.perSecond, kind: 'baseline' },
            { label: 'order-tracking', value: results.ours.patch.perSecond, kind: 'ours' },
          ],
        },
        {
          title: 'PATCH latency, p50 | p99',
          unit: 'ms',
          bars: [
            { label: 'bare p50', value: results.bare.patch.latencyMs.p50 ?? NaN, kind: 'baseline' },
            { label: 'bare p99', value: results.bare.patch.latencyMs.p99 ?? NaN, kind: 'baseline' },
            { label: 'ours p50', value: results.ours.patch.latencyMs.p50 ?? NaN, kind: 'ours' },
            { label: 'ours p99', value: results.ours.patch.latencyMs.p99 ?? NaN, kind: 'ours' },
          ],
        },
      ],
    },
  ];
}
