import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { EdgeGateway } from '../edge.gateway';
import { SseStreams } from '../sse/sse-streams';

export const DRAIN_OPTIONS = Symbol('DRAIN_OPTIONS');

export interface DrainOptions {
  /** After SIGTERM, how long the edge keeps serving (readiness already 503) so load balancers notice. */
  delayMs: number;
  /** Clients are told to reconnect at a random moment within this window, so they do not arrive as a herd. */
  windowMs: number;
  /** How long after its moment a client that has not left is cut off (transport closed). */
  graceMs: number;
}

export const DEFAULT_DRAIN_OPTIONS: DrainOptions = { delayMs: 0, windowMs: 5_000, graceMs: 1_000 };

/**
 * The edge's graceful drain, run by `runServices` on SIGTERM before anything closes: readiness is
 * already 503; after `delayMs` the edge stops accepting TCP connections and handshakes, then moves
 * every socket.io client and SSE stream away with jittered delays over `windowMs` (see
 * `EdgeGateway.drainSockets`, `SseStreams.drain`). The process's `SHUTDOWN_TIMEOUT_MS` must exceed
 * `delayMs + windowMs + graceMs`.
 */
@Injectable()
export class EdgeDrain implements OnModuleInit {
  private readonly logger = new Logger(EdgeDrain.name);

  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly gateway: EdgeGateway,
    private readonly sse: SseStreams,
    private readonly http: HttpAdapterHost,
    @Inject(DRAIN_OPTIONS) private readonly options: DrainOptions,
  ) {}

  onModuleInit(): void {
    this.readiness.onDrain('edge', () => this.drain());
  }

  async drain(): Promise<void> {
    const { delayMs, windowMs, graceMs } = this.options;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    // No new TCP connections; requests on open keep-alive connections (long-polling) still get answers.
    this.http.httpAdapter?.getHttpServer()?.close();
    const delayFor = () => Math.random() * windowMs;
    const streams = this.sse.drain(delayFor);
    const sockets = await this.gateway.drainSockets(delayFor, graceMs);
    this.logger.log({ msg: 'drained', sockets, streams, windowMs });
  }
}
