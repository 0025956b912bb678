#!/usr/bin/env node
// @ts-check
// `npm run bench` (short, < 5 min) or `npm run bench -- --full`: starts the baselines and our
// services on loopback, runs the scenarios of issues 6 and 10 one after another, and writes JSON,
// markdown and SVG charts under docs/benchmarks/<short|full>/, then prints the summary.
//   --full         the issue's counts (19,000 connections, 9,000 subscribers, 30 s runs)
//   --no-build     use dist/apps as it is
//   --only=1,3,5   run some scenarios (1 and 2 always run together; 6 is the support chat; 7 is
//                  order-tracking's PATCH throughput against a bare Fastify + pg server)
//   --scale=0.1    development only: fewer clients
//   --profile      write V8 CPU profiles of our services to docs/benchmarks/<mode>/profiles/
//   --no-hops      scenario 5 without tracing (no per-hop table)
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  buildServices,
  freePort,
  infraPids,
  infraUp,
  postgresCpuSeconds,
  ROOT,
  SERVICES,
  startService,
  stopAll,
} from './lib/processes.mjs';
import { HopCollector } from './lib/hop-collector.mjs';
import { createOrders, JWT, JWT_ENV, LOOSE_EDGE_LIMITS, supportDeskEnv, token } from './lib/platform.mjs';
import { summaryTable, writeReports } from './lib/report.mjs';
import { densityAndConnect } from './scenarios/density-connect.mjs';
import { endToEnd } from './scenarios/end-to-end.mjs';
import { fanout } from './scenarios/fanout.mjs';
import { patchThroughput } from './scenarios/patch-throughput.mjs';
import { supportChat } from './scenarios/support-chat.mjs';
import { targeted } from './scenarios/targeted.mjs';

const args = process.argv.slice(2);
const full = args.includes('--full');
const build = !args.includes('--no-build');
const profile = args.includes('--profile');
const hopsWanted = !args.includes('--no-hops');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
// Development only: scale the client counts down (e.g. --scale=0.1); results are then not comparable.
const scale = Number(args.find((a) => a.startsWith('--scale='))?.slice('--scale='.length) ?? 1);
const mode = full ? 'full' : 'short';
// Only complete, unscaled, unprofiled runs are published under docs/benchmarks; others go to the temp dir.
const outDir =
  only || scale !== 1 || profile ? join(tmpdir(), 'shopnest-bench', mode) : join(ROOT, 'docs', 'benchmarks', mode);
const profileDir = join(outDir, 'profiles');
// The whole run stops by itself, whatever hangs.
const HARD_LIMIT_MS = (full ? 60 : 12) * 60_000;
const run = `b${Date.now().toString(36)}`;
const startedAt = Date.now();
let buildNote = build ? 'built before the run' : 'existing dist/apps (--no-build)';
/** The shared database this run's services use; its schemas `bench_<run>_*` are dropped at the end. */
let runDatabaseUrl = '';
const log = (/** @type {string} */ message) =>
  process.stdout.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

/**
 * @typedef {{ full: boolean, run: string, log: typeof log, scaled: (count: number) => number, jwt: typeof JWT, redisUrl: string, kafkaBrokers: string, databaseUrl: string,
 *   ordersUrl: string, supportUrl: string | undefined, platformKey: string, edgeEnv: Record<string, string>, pids: Record<string, number | (() => number)>,
 *   services: { orders: any, worker: any, support: any }, createOrders: (owners: string[]) => Promise<string[]>,
 *   profileEnv: (name: string) => Record<string, string>, hops: HopCollector | undefined }} Context
 */

async function main() {
  const loadAverageAtStart = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  log(`${mode} run ${run}; load average ${loadAverageAtStart} on ${cpus().length} cores`);
  const infra = await infraUp();
  const redisUrl = infra['REDIS_URL'] ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const kafkaBrokers = infra['KAFKA_BROKERS'] ?? process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092';
  if (build) {
    log(`building ${SERVICES.join(', ')}`);
    try {
      await buildServices();
    } catch (error) {
      // A tree mid-change may not build; an existing build is still worth measuring, said loudly.
      if (!SERVICES.every((app) => existsSync(join(ROOT, 'dist', 'apps', app, 'package.json')))) throw error;
      buildNote = `build failed, measured the existing dist/apps: ${String(error).split('\n')[0]}`;
      log(`WARNING: ${buildNote}`);
    }
  }
  const pids = await infraPids();
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const redisPid = /process_id:(\d+)/.exec(await redis.info('server'))?.[1];
  await redis.quit();
  if (redisPid) pids['redis'] = Number(redisPid);
  /** @type {Record<string, number | (() => number)>} */
  const measuredPids = { ...pids };
  if (!Number.isNaN(postgresCpuSeconds())) measuredPids['postgres'] = postgresCpuSeconds;
  // The harness itself: it sends the end-to-end scenario's PATCH requests and collects the spans.
  measuredPids['bench'] = process.pid;
  log(`CPU accounting by /proc for: ${Object.keys(measuredPids).join(', ')}`);

  const platformKey = `bench:${run}`;
  const kafka = { EVENT_BUS: 'kafka', KAFKA_BROKERS: kafkaBrokers, KAFKA_TOPIC_PREFIX: `bench-${run}.` };
  /** @type {(name: string) => Record<string, string>} */
  const profileEnv = (name) => {
    if (!profile) return {};
    mkdirSync(profileDir, { recursive: true });
    return { BENCH_CPU_PROFILE: join(profileDir, `${name}.cpuprofile`) };
  };
  // Per-hop times of the end-to-end scenario come from the spans our services already make
  // (docs/benchmarks/README.md, "Per-hop times"): tracing is on in order-tracking, the worker and
  // scenario 5's edge when that scenario runs, exporting here.
  const hops = hopsWanted && (!only || only.includes('5')) ? await HopCollector.start() : undefined;
  const tracing = hops?.env ?? {};
  const [ordersPort, workerPort] = [await freePort(), await freePort()];
  log('starting order-tracking and notification-worker');
  const databaseUrl = infra['DATABASE_URL'] ?? '';
  runDatabaseUrl = databaseUrl;
  // Outbox pruning runs all the time (entries older than ~2 s, every second), so the end-to-end
  // scenario's write latency includes its cost (issue 16), not just an idle relay's.
  const pruning = { OUTBOX_RETENTION_HOURS: '0.0005', OUTBOX_PRUNE_INTERVAL_MS: '1000' };
  const orders = await startService('order-tracking', {
    port: ordersPort,
    env: {
      ...JWT_ENV,
      ...kafka,
      DATABASE_URL: databaseUrl,
      // A schema of the run's own: in the default one, another bench's order-tracking on the same
      // database would claim this run's outbox entries and publish them to its own topics (lost here).
      DATABASE_SCHEMA: `bench_${run}_orders`,
      ...pruning,
      ...tracing,
      ...profileEnv('e2e-order-tracking'),
    },
  });
  // support-desk only when its scenario runs, so the other scenarios measure what they always did.
  const support =
    !only || only.includes('6')
      ? await startService('support-desk', {
          port: await freePort(),
          env: { ...supportDeskEnv({ run, kafka, databaseUrl, ordersUrl: orders.url }), ...profileEnv('support-desk') },
        })
      : undefined;
  const worker = await startService('notification-worker', {
    port: workerPort,
    env: {
      ...JWT_ENV,
      ...kafka,
      REDIS_URL: redisUrl,
      SOCKET_IO_KEY: platformKey,
      // The users' inboxes, in a schema of the run's own: in the shared default (`inbox`) every
      // run's items piled up, and each run inserted into a bigger table than the one before.
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: `bench_${run}_inbox`,
      CONSUMER_FROM_BEGINNING: 'true',
      CONSUMER_GROUP: `bench-${run}`,
      ...tracing,
      ...profileEnv('e2e-notification-worker'),
    },
  });
  /** @type {Context} */
  const ctx = {
    full,
    run,
    log,
    scaled: (count) => Math.max(10, Math.round(count * scale)),
    jwt: JWT,
    redisUrl,
    kafkaBrokers,
    databaseUrl,
    ordersUrl: orders.url,
    supportUrl: support?.url,
    platformKey,
    pids: measuredPids,
    services: { orders, worker, support },
    createOrders: (owners) => createOrders(orders.url, owners),
    profileEnv,
    hops,
    edgeEnv: {
      ...JWT_ENV,
      ...LOOSE_EDGE_LIMITS,
      RATE_LIMIT_KEY_PREFIX: `bench:${run}:rl:`,
      PRESENCE_KEY_PREFIX: `bench:${run}:presence:`,
      REDIS_URL: redisUrl,
      SOCKET_IO_KEY: platformKey,
      ORDER_TRACKING_URL: orders.url,
      ...(support && { SUPPORT_DESK_URL: support.url }),
      SERVICE_TOKEN: token('connection-edge', ['service']),
    },
  };

  /** @type {[string[], (ctx: Context) => Promise<any[]>, string][]} */
  const scenarios = [
    [['1', '2'], densityAndConnect, 'Idle density / Connect rate and reconnect storm'],
    [['3'], fanout, 'Room fan-out'],
    [['4'], targeted, 'Targeted notifications'],
    [['5'], endToEnd, 'End to end'],
    [['6'], supportChat, 'Support chat'],
    [['7'], patchThroughput, 'order-tracking PATCH throughput'],
  ];
  /** @type {any[]} */
  const reports = [];
  for (const [ids, scenario, title] of scenarios) {
    if (only && !ids.some((id) => only.includes(id))) continue;
    try {
      reports.push(...(await scenario(ctx)));
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`scenario ${title} failed: ${message.split('\n')[0]}`);
      reports.push({
        id: `${ids[0]}-failed`,
        title,
        error: message,
        targets: [],
        panels: [],
        table: { headers: [], rows: [] },
        results: null,
        scale: '',
      });
    }
  }
  await Promise.all([orders.stop(), worker.stop(), support?.stop()]);
  await hops?.stop();

  const meta = {
    date: new Date().toISOString(),
    mode,
    machine: `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    loadAverageAtStart,
    loadAverageAtEnd: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    build: buildNote,
    run,
  };
  await writeReports(outDir, reports, meta);
  if (profile) summarizeProfiles();
  process.stdout.write(
    `\nShopNest Live benchmark (${mode} run, ${meta.durationSeconds} s, ${meta.machine}, load avg at start ${loadAverageAtStart})\n\n`,
  );
  process.stdout.write(`${summaryTable(reports)}\n\nFiles: ${outDir}\n`);
}

/** The top self-time functions of each CPU profile, as markdown beside the profiles. */
function summarizeProfiles() {
  const lines = ['# Where the CPU goes (self time, top 15 per process)', ''];
  for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
    /** @type {{ nodes: { id: number, hitCount?: number, callFrame: { functionName: string, url: string, lineNumber: number } }[], startTime: number, endTime: number, samples: number[] }} */
    const profileData = JSON.parse(readFileSync(join(profileDir, file), 'utf8'));
    const total = profileData.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
    /** @type {Map<string, number>} */
    const self = new Map();
    for (const node of profileData.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
      const key = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
      self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
    }
    lines.push(`## ${file}`, '', '| self % | function |', '|---|---|');
    for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15))
      lines.push(`| ${((100 * hits) / total).toFixed(1)} | \`${key}\` |`);
    lines.push('');
  }
  writeFileSync(join(profileDir, 'README.md'), `${lines.join('\n')}\n`);
}

const hardStop = setTimeout(() => {
  log(`hard time limit of ${HARD_LIMIT_MS / 60_000} min reached; stopping`);
  void stopAll().finally(() => process.exit(2));
}, HARD_LIMIT_MS);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    log(`${signal}: stopping every process the bench started`);
    void stopAll().finally(() => process.exit(130));
  });
}
/** Drops the schemas this run's services created (`bench_<run>_*`), so the shared database keeps none of them. */
async function dropRunSchemas() {
  if (!runDatabaseUrl) return;
  const client = new pg.Client({ connectionString: runDatabaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [
      `bench\\_${run}\\_%`,
    ]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    log(`dropped ${rows.length} schemas of this run`);
  } catch (error) {
    log(
      `could not drop this run's schemas (bench_${run}_*): ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

main()
  .then(() => stopAll())
  .then(() => dropRunSchemas())
  .then(() => {
    clearTimeout(hardStop);
    process.exit(0);
  })
  .catch(async (error) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopAll();
    await dropRunSchemas();
    process.exit(1);
  });
