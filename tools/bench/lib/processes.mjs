// @ts-check
import { execFile, fork } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { now, sleep } from './stats.mjs';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..', '..');
const PROBE = join(BENCH_DIR, 'lib', 'probe.cjs');
const run = promisify(execFile);

/** The services the bench builds and starts (dist/apps/<name>). */
export const SERVICES = ['connection-edge', 'order-tracking', 'notification-worker', 'support-desk'];

/** Every child the bench started, so that an error or Ctrl-C stops them all. */
const children = new Set();

/**
 * A free loopback TCP port below the kernel's ephemeral range: the load generators' thousands of
 * client connections draw their source ports from that range, and one of them could take a
 * kernel-picked port before the server started on it binds it (as libs/testing's `freePort`).
 * @returns {Promise<number>}
 */
export async function freePort() {
  let ephemeralStart = 32768;
  try {
    ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || 32768;
  } catch {
    // Not Linux: keep the default.
  }
  const [from, to] = ephemeralStart > 12000 ? [10000, ephemeralStart] : [ephemeralStart, 65536];
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = from + Math.floor(Math.random() * (to - from));
    // Never the same port twice in one run: the first may not be bound yet.
    const port = handedOut.has(candidate) ? 0 : await bindAndRelease(candidate).catch(() => 0);
    if (port) {
      handedOut.add(port);
      return port;
    }
  }
  return bindAndRelease(0);
}

/** @type {Set<number>} */
const handedOut = new Set();

/** @param {number} port 0: the kernel picks. @returns {Promise<number>} the port bound, released again */
function bindAndRelease(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * @typedef {{ at: number, cpu: { user: number, system: number }, mem: NodeJS.MemoryUsage, lag: { p50: number, p99: number, max: number, mean: number } }} ProbeSample
 */

/**
 * A forked Node process with the probe preloaded and a request/response channel.
 */
export class Child {
  /**
   * @param {string} name
   * @param {string} script
   * @param {{ args?: string[], env?: Record<string, string>, heapMb?: number }} [options]
   */
  constructor(name, script, options = {}) {
    this.name = name;
    this.output = '';
    this.nextId = 1;
    /** @type {Map<number, (value: any) => void>} */
    this.pending = new Map();
    /** @type {((message: any) => void)[]} */
    this.listeners = [];
    this.process = fork(script, options.args ?? [], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      execArgv: [
        '--expose-gc',
        '--require',
        PROBE,
        `--max-old-space-size=${options.heapMb ?? 4096}`,
        // --profile: node refuses --cpu-prof in NODE_OPTIONS, so it travels as an argument.
        ...(options.env?.['BENCH_CPU_PROFILE']
          ? [
              '--cpu-prof',
              `--cpu-prof-dir=${dirname(options.env['BENCH_CPU_PROFILE'])}`,
              `--cpu-prof-name=${basename(options.env['BENCH_CPU_PROFILE'])}`,
            ]
          : []),
      ],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    children.add(this);
    // BENCH_LOG_DIR=<dir>: every child's whole output in <dir>/<name>.log, to read after the run.
    const logFile = process.env['BENCH_LOG_DIR'] && join(process.env['BENCH_LOG_DIR'], `${name}.log`);
    const append = (/** @type {Buffer} */ chunk) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
      if (logFile) appendFileSync(logFile, chunk);
    };
    this.process.stdout?.on('data', append);
    this.process.stderr?.on('data', append);
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code, signal) => {
        children.delete(this);
        for (const reject of this.pending.values()) reject({ error: `${name} exited (${code ?? signal})` });
        this.pending.clear();
        resolve(code ?? signal);
      }),
    );
    this.process.on('message', (/** @type {any} */ message) => {
      const id = message?.id;
      if (id !== undefined && this.pending.has(id)) {
        const resolve = this.pending.get(id);
        this.pending.delete(id);
        resolve?.(message);
      } else this.listeners.forEach((listener) => listener(message));
    });
  }

  get pid() {
    return this.process.pid ?? 0;
  }

  /**
   * Sends a request and waits for the reply with the same id.
   * @param {Record<string, unknown>} message
   * @param {number} [timeoutMs]
   * @returns {Promise<any>}
   */
  request(message, timeoutMs = 120_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${JSON.stringify(message).slice(0, 80)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply?.error) reject(new Error(`${this.name}: ${reply.error}`));
        else resolve(reply);
      });
      this.process.send({ ...message, id });
    });
  }

  /**
   * CPU, memory and event-loop lag of the process, through the probe.
   * @param {{ gc?: boolean, reset?: boolean }} [options]
   * @returns {Promise<ProbeSample>}
   */
  sample(options = {}) {
    return this.request({ probe: 'sample', ...options }, 30_000);
  }

  /** @param {(message: any) => void} listener */
  onMessage(listener) {
    this.listeners.push(listener);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 15_000) {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.process.exitCode;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Stops every child still running (used on errors and signals). */
export async function stopAll() {
  await Promise.all([...children].map((child) => child.stop(5_000)));
}

/**
 * Starts a built service (`dist/apps/<app>`, whose package.json names its entry) as a probed child and waits for /health/ready.
 * @param {'connection-edge' | 'order-tracking' | 'notification-worker' | 'support-desk'} app
 * @param {{ name?: string, port: number, env: Record<string, string>, readyTimeoutMs?: number }} options
 */
export async function startService(app, options) {
  const child = new Child(options.name ?? app, join(ROOT, 'dist', 'apps', app), {
    // BENCH_LOG_LEVEL (with BENCH_LOG_DIR): the services' pino level, e.g. info to see a drain's steps.
    env: {
      HOST: '127.0.0.1',
      PORT: String(options.port),
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited before it was ready:\n${child.output}`);
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return Object.assign(child, { url });
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await child.stop();
  throw new Error(`${child.name} was not ready in time:\n${child.output}`);
}

/**
 * Starts a bench-owned script (bare server, load worker, ...) and waits for its `ready` message.
 * @param {string} name
 * @param {string} script file name under tools/bench/lib
 * @param {{ args?: string[], env?: Record<string, string>, readyTimeoutMs?: number }} [options]
 */
export async function startChild(name, script, options = {}) {
  const child = new Child(name, join(BENCH_DIR, 'lib', script), options);
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} not ready:\n${child.output}`)),
      options.readyTimeoutMs ?? 30_000,
    );
    child.onMessage((message) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      }
    });
    void child.exited.then((code) => reject(new Error(`${name} exited (${code}):\n${child.output}`)));
  });
  return Object.assign(child, { ready });
}

/**
 * A process's name and the fields after it in /proc/PID/stat (so `fields[0]` is the state,
 * `fields[1]` the parent pid, `fields[11..14]` utime, stime, cutime, cstime); undefined once it exited.
 * @param {number | string} pid
 */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return { name: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** @param {string[]} fields from {@link procStat}; own CPU seconds, plus the exited children's with `children` */
function cpuSecondsOf(fields, children = false) {
  const own = Number(fields[11]) + Number(fields[12]);
  return (children ? own + Number(fields[13]) + Number(fields[14]) : own) / 100;
}

/**
 * CPU seconds of any process from /proc (for Kafka and Redis, which carry no probe).
 * @param {number} pid
 */
export function procCpuSeconds(pid) {
  const stat = procStat(pid);
  return stat ? cpuSecondsOf(stat.fields) : NaN;
}

/**
 * CPU seconds of the whole PostgreSQL server: every live `postgres` process, plus what the
 * postmaster's children that already exited used (its `cutime`/`cstime`), so a backend that ends
 * inside a window is still counted. NaN when no server runs here.
 */
export function postgresCpuSeconds() {
  let total = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat?.name !== 'postgres') continue;
    found = true;
    const postmaster = procStat(Number(stat.fields[1]))?.name !== 'postgres';
    total += cpuSecondsOf(stat.fields, postmaster);
  }
  return found ? total : NaN;
}

/**
 * The pids whose command line passes `test`.
 * @param {(cmdline: string) => boolean} test
 */
function processesWhere(test) {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

/** @param {number} pid RSS bytes from /proc */
export function procRssBytes(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Measures a window: probe samples of every child before and after, plus /proc for plain pids
 * (or a function giving a group's CPU seconds so far, e.g. {@link postgresCpuSeconds}).
 * @param {Child[]} probed
 * @param {Record<string, number | (() => number)>} [pids]
 */
export async function openWindow(probed, pids = {}) {
  const startedAt = now();
  const before = await Promise.all(probed.map((child) => child.sample({ reset: true })));
  const cpuOf = (/** @type {number | (() => number)} */ pid) => (typeof pid === 'number' ? procCpuSeconds(pid) : pid());
  const procBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuOf(pid)]));
  return {
    /** @returns {Promise<Record<string, { cpuCores: number, cpuSeconds: number, rssMb?: number, heapMb?: number, lagP99Ms?: number, lagMaxMs?: number }>>} */
    async close() {
      const after = await Promise.all(probed.map((child) => child.sample()));
      const seconds = (now() - startedAt) / 1000;
      /** @type {Record<string, any>} */
      const out = {};
      probed.forEach((child, index) => {
        const cpu =
          (after[index].cpu.user + after[index].cpu.system - before[index].cpu.user - before[index].cpu.system) / 1e6;
        out[child.name] = {
          cpuSeconds: round2(cpu),
          cpuCores: round2(cpu / seconds),
          rssMb: round2(after[index].mem.rss / 2 ** 20),
          heapMb: round2(after[index].mem.heapUsed / 2 ** 20),
          lagP99Ms: after[index].lag.p99,
          lagMaxMs: after[index].lag.max,
        };
      });
      for (const [name, pid] of Object.entries(pids)) {
        const cpu = cpuOf(pid) - (procBefore[name] ?? NaN);
        out[name] = {
          cpuSeconds: round2(cpu),
          cpuCores: round2(cpu / seconds),
          ...(typeof pid === 'number' && { rssMb: round2(procRssBytes(pid) / 2 ** 20) }),
        };
      }
      return out;
    },
  };
}

/** @param {number} value */
const round2 = (value) => Math.round(value * 100) / 100;

/**
 * Runs tools/infra/up (idempotent) and returns the variables it exports.
 * @returns {Promise<Record<string, string>>}
 */
export async function infraUp() {
  const { stdout } = await run('bash', [join(ROOT, 'tools', 'infra', 'up')], {
    cwd: ROOT,
    maxBuffer: 10 * 2 ** 20,
    timeout: 600_000,
  });
  /** @type {Record<string, string>} */
  const env = {};
  for (const line of stdout.split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2].replace(/^['"]|['"]$/g, '');
  }
  return env;
}

/** The pid of the Kafka broker and of Redis, when the infra script knows them (for CPU accounting). */
export async function infraPids() {
  /** @type {Record<string, number>} */
  const pids = {};
  try {
    const { stdout } = await run('bash', [join(ROOT, 'tools', 'infra', 'status')], { cwd: ROOT, timeout: 30_000 });
    const kafka = /kafka: up .*\(pid (\d+)/.exec(stdout);
    if (kafka) pids['kafka'] = Number(kafka[1]);
  } catch {
    // status is informative only
  }
  // With KAFKA_BROKERS set, status names no pid: then the one broker running here, if one is.
  if (!pids['kafka']) {
    const brokers = processesWhere((cmdline) => cmdline.includes('kafka.Kafka'));
    if (brokers.length === 1) pids['kafka'] = brokers[0];
  }
  return pids;
}

/** Builds the four services (Nx cache makes a rebuild of unchanged code quick). */
export async function buildServices() {
  await run('npx', ['nx', 'run-many', '-t', 'build', '-p', ...SERVICES], {
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false' },
    maxBuffer: 50 * 2 ** 20,
    timeout: 900_000,
  });
}
