import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './service-process';

/**
 * A server of a test's own, on loopback, on a free port and a temporary directory: a fault test
 * stops, kills and restarts it while the shared servers (Kafka 19092, Redis 6379, PostgreSQL
 * 5432) keep serving everyone else. Created stopped; `start()` brings it up, and again after
 * `stop()`/`kill()` on the same port and data, as a restarted server comes back.
 *
 * @example
 * const redis = await dedicatedRedis();
 * await redis.start();
 * await redis.kill(); // a crash: no shutdown hook
 * await redis.start(); // same port, same data
 * await redis.remove();
 */
export interface DedicatedServer {
  /** What a client is given: `redis://…`, `postgres://…`, or Kafka's `host:port`. */
  readonly url: string;
  /** Starts (or restarts) it; resolves once it accepts clients. */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM, or `pg_ctl -m fast`); resolves once it is gone. */
  stop(): Promise<void>;
  /** A crash (SIGKILL, or `pg_ctl -m immediate`); resolves once it is gone. */
  kill(): Promise<void>;
  /** Kills it if running and deletes its directory. Idempotent. */
  remove(): Promise<void>;
}

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');
const run = promisify(execFile);

/**
 * Redis (the `redis-server` binary `tools/infra` installs from Debian) with an append-only file:
 * `appendfsync always` by default, so every write Redis acknowledged survives a crash of Redis or
 * of its host. That is what channel history needs (docs/operations.md).
 */
export async function dedicatedRedis(
  options: { appendfsync?: 'always' | 'everysec' | 'no' } = {},
): Promise<DedicatedServer> {
  const binary = findBinary('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
  const dir = mkdtempSync(join(tmpdir(), 'shopnest-redis-'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    options.appendfsync ?? 'always',
    '--daemonize',
    'no',
  ];
  let child: ChildProcess | undefined;
  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill(signal);
      await exited;
    }
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child) return;
      const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      killOnExit(started);
      let output = '';
      started.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-5_000)));
      started.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-5_000)));
      // Redis binds its port before it has loaded the append-only file; this line comes after.
      await waitFor(30_000, () => {
        if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}:\n${output}`);
        return output.includes('Ready to accept connections');
      });
    },
    // SIGTERM: Redis flushes the append-only file and exits.
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async remove() {
      await halt('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * PostgreSQL from the Debian packages' binaries (`/usr/lib/postgresql/<version>/bin`, the newest
 * version installed): `initdb` a temporary cluster (trust auth, loopback only), run by `pg_ctl`
 * as the `postgres` user when the test runs as root. The URL names the `postgres` database.
 */
export async function dedicatedPostgres(): Promise<DedicatedServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'shopnest-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  // initdb and the server refuse to run as root.
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { cwd: '/' })
      : run(join(bin, tool), args, { cwd: '/' });
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  let running = false;
  const ctlStop = async (mode: 'fast' | 'immediate') => {
    if (!running) return;
    running = false;
    await pg('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '30']);
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      if (running) return;
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`;
      await pg('pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', options]).catch(
        (error: Error) => {
          const log = existsSync(join(dir, 'server.log'))
            ? readFileSync(join(dir, 'server.log'), 'utf8').slice(-3_000)
            : '';
          throw new Error(`PostgreSQL on port ${port} did not start: ${error.message}\n${log}`);
        },
      );
      running = true;
    },
    stop: () => ctlStop('fast'),
    // -m immediate: every server process quits at once, no checkpoint; the restart recovers from WAL.
    kill: () => ctlStop('immediate'),
    async remove() {
      await ctlStop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A single-node Kafka broker (KRaft) started by `tools/kafka/kafka.sh` with its own home (log dir,
 * pid file) and ports, from the jars already cached for the shared broker. `start()` takes ~10 s.
 */
export async function dedicatedKafka(): Promise<DedicatedServer> {
  const home = mkdtempSync(join(tmpdir(), 'shopnest-kafka-'));
  const sharedHome = process.env['SHOPNEST_INFRA_HOME'] ?? join(homedir(), '.cache', 'shopnest-infra');
  const [port, controllerPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    SHOPNEST_INFRA_HOME: home,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_LIBS_DIR: join(sharedHome, 'kafka', 'libs'),
    KAFKA_HEAP_OPTS: '-Xmx256m -Xms128m',
  };
  const script = (command: 'start' | 'stop') =>
    run(join(WORKSPACE_ROOT, 'tools', 'kafka', 'kafka.sh'), [command], { env });
  const pidFile = join(home, 'kafka', 'kafka.pid');
  const kill = async () => {
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    rmSync(pidFile, { force: true });
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return; // already gone
    }
    while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  return {
    url: `127.0.0.1:${port}`,
    start: async () => {
      await script('start');
    },
    stop: async () => {
      await script('stop');
    },
    kill,
    async remove() {
      await kill();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function findBinary(name: string, candidates: string[]): string {
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`${name} not found (looked in ${candidates.join(', ')}); tools/infra/up installs it`);
  return found;
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) throw new Error(`PostgreSQL server binaries not found under ${root}; tools/infra/up installs them`);
  return join(root, versions[0], 'bin');
}

/** A child the test started must not outlive the test process, even when it dies early. */
function killOnExit(child: ChildProcess): void {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

/** Polls `done` until it returns true; rejects after `timeoutMs` or with what `done` throws. */
async function waitFor(timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
