import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A free TCP port on loopback, below the kernel's ephemeral range. A port the kernel picks
 * (`listen(0)`) comes from that range, which outgoing connections draw their source ports from:
 * between picking it and a server binding it (a JVM's start-up, or a restart on the same port),
 * any client connection may take it (CI: a private Kafka's controller port was "already in use").
 * Below the range, only another listener can take it; the pick is random and checked by binding.
 */
export async function freePort(): Promise<number> {
  const [low, high] = belowEphemeralRange();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    // Never the same port twice in one process: the first may not be bound yet.
    if (!handedOut.has(port) && (await canListen(port))) return handOut(port);
  }
  return handOut(await listenOn(0));
}

const handedOut = new Set<number>();
function handOut(port: number): number {
  handedOut.add(port);
  return port;
}

/** [from, to) for {@link freePort}: up to the start of the ephemeral range (Linux's default: 32768). */
function belowEphemeralRange(): [number, number] {
  let start = 32_768;
  try {
    start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || start;
  } catch {
    // Not Linux: keep the default.
  }
  return start > 12_000 ? [10_000, start] : [start, 65_536];
}

function canListen(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

/** Binds `port` on loopback (0: the kernel picks), closes it, and resolves with the port bound. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

export interface ServiceProcess {
  name: string;
  url: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash: no shutdown hook runs) and wait for exit. */
  kill(): Promise<void>;
}

export interface StartServiceOptions {
  /** The app's folder name under dist/apps. */
  app: 'connection-edge' | 'order-tracking' | 'support-desk' | 'notification-worker';
  /** A label for logs when several instances of one app run (e.g. `edge-2`). */
  name?: string;
  port: number;
  env: Record<string, string>;
  readyTimeoutMs?: number;
}

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * Starts a built service (`dist/apps/<app>`, whose package.json names its entry) as its own process and resolves once
 * `/health/ready` answers 200, so a test talks to the real thing, exactly as deployed.
 */
export async function startService(options: StartServiceOptions): Promise<ServiceProcess> {
  const name = options.name ?? options.app;
  const url = `http://127.0.0.1:${options.port}`;
  const main = join(WORKSPACE_ROOT, 'dist', 'apps', options.app);
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: WORKSPACE_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const service: ServiceProcess = {
    name,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return service;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await service.stop();
  throw new Error(`${name} was not ready within ${options.readyTimeoutMs ?? 30_000} ms:\n${output}`);
}

/** A short unique id for names (topics, key prefixes) that must not collide between runs. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
