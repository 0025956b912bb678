import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';

export interface RunServiceOptions {
  service: string;
  http: { host: string; port: number };
  shutdownTimeoutMs: number;
  /** Extra wiring before listen, e.g. a WebSocket adapter. */
  configure?: (app: INestApplication) => Promise<void> | void;
}

/**
 * Boots a service the same way everywhere: pino logs from the first line, shutdown hooks on
 * SIGTERM/SIGINT (Nest closes modules in reverse order: stop taking work, drain, disconnect),
 * and a hard exit if the drain outlives `shutdownTimeoutMs`.
 */
export async function runService(module: unknown, options: RunServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create(module as never, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // process.exit(0) after a clean drain (instead of re-raising the signal) lets pino flush
  // and tells the orchestrator the shutdown succeeded.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        NestLogger.error(`shutdown took longer than ${options.shutdownTimeoutMs} ms; exiting`, options.service);
        process.exit(1);
      }, options.shutdownTimeoutMs).unref();
    });
  }
  await options.configure?.(app);
  await app.listen(options.http.port, options.http.host);
  NestLogger.log(`${options.service} listening on http://${options.http.host}:${options.http.port}`, options.service);
  return app;
}

/** Runs `main` and turns a start-up failure (bad config, unreachable dependency) into one clear line and exit 1. */
export function runMain(service: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${service}: failed to start: ${message}\n`);
    process.exit(1);
  });
}
