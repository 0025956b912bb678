import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { Logger } from 'nestjs-pino';
import { ReadinessRegistry } from './readiness.registry';

export interface ServiceSpec {
  service: string;
  /** `keepAliveTimeoutMs` absent: Node's default (5 s). */
  http: { host: string; port: number; keepAliveTimeoutMs?: number };
  /** The variable that moves `http.port`, named when the port is taken (default `PORT`). */
  portVariable?: string;
  /** Extra wiring before listen, e.g. a WebSocket adapter. */
  configure?: (app: INestApplication) => Promise<void> | void;
}

export interface RunServiceOptions extends ServiceSpec {
  shutdownTimeoutMs: number;
  /** Runs after the service closed, before the process exits (e.g. flushing buffered spans). */
  release?: () => Promise<void>;
}

/** Start-up stops with this when a service's port is taken: one line that says how to move it. */
export class PortInUseError extends Error {
  constructor(spec: ServiceSpec) {
    super(
      `port ${spec.http.port} on ${spec.http.host} is already in use; set ${spec.portVariable ?? 'PORT'} to a free port`,
    );
    this.name = 'PortInUseError';
  }
}

/**
 * Boots a service the same way everywhere: pino logs from the first line, and on SIGTERM/SIGINT
 * a graceful close (Nest closes modules in reverse order: stop taking work, drain, disconnect),
 * then exit 0, or exit 1 if the drain outlives `shutdownTimeoutMs`.
 */
export async function runService(module: unknown, options: RunServiceOptions): Promise<INestApplication> {
  const [app] = await runServices([{ module, spec: options }], options);
  return app as INestApplication;
}

/**
 * Several services in one process (the one-process mode), each a Nest application on its own
 * port. They initialise in the given order, then listen in the reverse one, so the first (the
 * edge) takes clients only once the services behind it answer. If one fails (a taken port, an
 * unreachable dependency), those already started are closed before the error is thrown, so
 * nothing is left half-started.
 * On SIGTERM/SIGINT every service drains (readiness 503, then its registered drain steps), then
 * they close in reverse order (the last started first), then `release` runs and the process exits.
 */
export async function runServices(
  services: { module: unknown; spec: ServiceSpec }[],
  options: {
    shutdownTimeoutMs: number;
    /** Releases what the services share (in-process adapters), after the last one closed. */
    release?: () => Promise<void>;
  },
): Promise<INestApplication[]> {
  const started: INestApplication[] = [];
  const closeAll = async () => {
    for (const app of [...started].reverse()) await app.close();
    await options.release?.();
  };
  // Readiness 503 everywhere at once, then each service's drain steps (an edge moves its clients away).
  const drainAll = () => Promise.all(started.map((app) => app.get(ReadinessRegistry, { strict: false }).drain()));
  try {
    for (const { module, spec } of services) started.push(await initService(module, spec));
    for (const [i, { spec }] of [...services.entries()].reverse()) await listen(started[i] as INestApplication, spec);
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
  const label = services.map((s) => s.spec.service).join('+');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      NestLogger.error(`shutdown took longer than ${options.shutdownTimeoutMs} ms; exiting`, label);
      process.exit(1);
    }, options.shutdownTimeoutMs).unref();
    NestLogger.log(`${signal}: closing`, label);
    // process.exit(0) after a clean drain (instead of re-raising the signal) lets pino flush and
    // tells the orchestrator the shutdown succeeded.
    drainAll()
      .then(closeAll)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          NestLogger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`, label);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return started;
}

async function initService(module: unknown, spec: ServiceSpec): Promise<INestApplication> {
  // abortOnError: false, so a failed init reaches runMain as one line instead of process.abort().
  const app = await NestFactory.create(module as never, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  try {
    await spec.configure?.(app);
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

async function listen(app: INestApplication, spec: ServiceSpec): Promise<void> {
  const { keepAliveTimeoutMs } = spec.http;
  if (keepAliveTimeoutMs !== undefined) {
    const server = app.getHttpServer() as Server;
    server.keepAliveTimeout = keepAliveTimeoutMs;
    // A request's headers must be allowed longer than an idle connection is kept (Node's own advice).
    server.headersTimeout = Math.max(server.headersTimeout, keepAliveTimeoutMs + 1_000);
  }
  try {
    await app.listen(spec.http.port, spec.http.host);
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUseError(spec) : error;
  }
  NestLogger.log(`${spec.service} listening on http://${spec.http.host}:${spec.http.port}`, spec.service);
}

/** Runs `main` and turns a start-up failure (bad config, unreachable dependency) into one clear line and exit 1. */
export function runMain(service: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${service}: failed to start: ${message}\n`);
    process.exit(1);
  });
}
