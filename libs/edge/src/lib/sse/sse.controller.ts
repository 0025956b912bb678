import { Controller, Get, Inject, Logger, OnModuleDestroy, Param, Req, Res } from '@nestjs/common';
import { ErrorBody, orderChannel, parseChannel, Principal } from '@shopnest/contracts';
import { HandshakeAuthenticator, HandshakeRefused } from '@shopnest/platform-auth';
import { MetricsService } from '@shopnest/platform-observability';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import { ChannelAuthorizer } from '../channel-authorizer';
import { EdgeRateLimits } from '../limits/edge-rate-limits';
import { ChannelReplay, ChannelStream } from '../replay/channel-replay';
import { DeliveryFeed } from '../replay/delivery-feed';
import { sseComment, sseDelivery, sseRetry, sseSubscribed } from './sse-format';
import { SseStreams } from './sse-streams';

export const SSE_OPTIONS = Symbol('SSE_OPTIONS');

export interface SseOptions {
  /** A comment line is written this often, so idle proxies keep the stream open. */
  heartbeatMs: number;
  /** The `retry:` hint: how long EventSource waits before reconnecting. */
  retryMs: number;
  /** A client this far behind (bytes queued in the socket) is cut off; it resumes with `Last-Event-ID`. */
  maxBufferedBytes: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = { heartbeatMs: 15_000, retryMs: 3_000, maxBufferedBytes: 1_048_576 };

/** Longest accepted `Last-Event-ID`, as for `since` on sockets. */
const MAX_LAST_EVENT_ID = 64;

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody & { retryAfterMs?: number },
  ) {
    super(body.message);
  }
}

/**
 * Server-sent events: one channel per HTTP response, for clients that only need to listen
 * (EventSource, curl, server-side consumers). Same admission as a socket handshake (per-IP
 * rate, token from `Authorization: Bearer` or `access_token`, per-user connection slots), same
 * {@link ChannelAuthorizer}, same replay-then-live seam ({@link ChannelReplay}) with the resume
 * point from `Last-Event-ID` (or `lastEventId` in the query, for EventSource polyfills).
 *
 * Live deliveries reach a stream through {@link DeliveryFeed.listen}: the edge's socket.io
 * adapter already receives every room broadcast from Redis, so the stream needs no socket and no
 * Redis connection of its own.
 */
@Controller('sse')
export class SseController implements OnModuleDestroy {
  private readonly logger = new Logger(SseController.name);
  private readonly streams: Gauge<string>;
  private readonly refusals: Counter<string>;

  constructor(
    private readonly authenticator: HandshakeAuthenticator,
    private readonly authorizer: ChannelAuthorizer,
    private readonly limits: EdgeRateLimits,
    private readonly replay: ChannelReplay,
    private readonly feed: DeliveryFeed,
    @Inject(SSE_OPTIONS) private readonly options: SseOptions,
    private readonly open: SseStreams,
    metrics: MetricsService,
  ) {
    this.streams = metrics.gauge('edge_sse_streams', 'Open server-sent event streams on this edge');
    // Deliveries were lost to this edge while its feed was cut: EventSource reconnects with Last-Event-ID and history fills the gap.
    feed.onRestored(() => this.open.endAll());
    this.refusals = metrics.counter('edge_sse_refusals_total', 'SSE requests refused before streaming, by code', [
      'code',
    ]);
  }

  @Get('channels/:channel')
  channel(@Param('channel') channel: string, @Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.stream(channel, req, res);
  }

  @Get('orders/:id')
  order(@Param('id') id: string, @Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.stream(orderChannel(id), req, res);
  }

  onModuleDestroy(): void {
    // Ends every stream so the HTTP server can close; clients reconnect (to another edge) with Last-Event-ID.
    this.open.endAll();
  }

  private async stream(channel: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const streamId = `sse:${randomUUID()}`;
    let principal: Principal;
    let since: string | undefined;
    try {
      principal = await this.admit(req, streamId);
      since = resumePoint(req);
      if (!parseChannel(channel))
        throw new HttpRefusal(400, {
          code: 'INVALID',
          message: `unknown channel ${JSON.stringify(channel.slice(0, 80))}`,
        });
      const decision = await this.authorizer.authorize(principal, channel);
      if (!decision.allowed)
        throw new HttpRefusal(decision.code === 'INVALID' ? 400 : 403, {
          code: decision.code,
          message: decision.message,
        });
      if (!this.feed.attached)
        throw new HttpRefusal(503, { code: 'INTERNAL', message: 'the edge is starting; retry shortly' });
    } catch (error) {
      this.limits.releaseConnection(streamId);
      this.refuse(res, error);
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies buffer responses by default, which would hold events back.
      'x-accel-buffering': 'no',
    });
    res.write(sseRetry(this.options.retryMs));
    this.streams.inc();

    let live: ChannelStream | undefined;
    let closed = false;
    const heartbeat = setInterval(() => res.write(sseComment('heartbeat')), this.options.heartbeatMs);
    heartbeat.unref();
    const end = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      live?.close();
      this.open.delete(end);
      this.limits.releaseConnection(streamId);
      this.streams.dec();
      if (!res.writableEnded) res.end();
    };
    this.open.add(end, res);
    res.on('close', end);

    const write = (chunk: string) => {
      if (closed) return;
      res.write(chunk);
      if (res.writableLength > this.options.maxBufferedBytes) {
        this.logger.warn(
          `SSE stream of ${channel} for user ${principal.userId} fell ${res.writableLength} bytes behind; closing it`,
        );
        end();
      }
    };
    try {
      live = await this.replay.openStream(channel, since, ({ name, delivery }) => write(sseDelivery(name, delivery)));
    } catch (error) {
      this.logger.error(`SSE replay of ${channel} failed: ${error instanceof Error ? error.message : String(error)}`);
      end();
      return;
    }
    // The client went away during the replay: end() ran before `live` existed.
    if (closed) live.close();
    else write(sseSubscribed(channel, live.recovered));
  }

  /** Per-IP rate, then the token, then a connection slot of the user (the same budgets as sockets). */
  private async admit(req: IncomingMessage, streamId: string): Promise<Principal> {
    const ip = req.socket.remoteAddress ?? 'unknown';
    const throttled = await this.limits.admitConnection(ip);
    if (throttled) throw new HttpRefusal(429, { code: 'RATE_LIMITED', ...throttled });
    let principal: Principal;
    try {
      principal = await this.authenticator.authenticate({ headers: req.headers, query: queryOf(req) });
    } catch (error) {
      if (error instanceof HandshakeRefused)
        throw new HttpRefusal(error.code === 'UNAVAILABLE' ? 503 : 401, { code: error.code, message: error.message });
      throw error;
    }
    const crowded = await this.limits.acquireConnection(principal.userId, streamId);
    if (crowded) throw new HttpRefusal(429, { code: 'RATE_LIMITED', ...crowded });
    this.limits.holdConnection(principal.userId, streamId);
    return principal;
  }

  private refuse(res: ServerResponse, error: unknown): void {
    const refusal =
      error instanceof HttpRefusal
        ? error
        : new HttpRefusal(500, { code: 'INTERNAL', message: 'the edge could not open this stream; retry later' });
    if (!(error instanceof HttpRefusal))
      this.logger.error(`SSE admission failed: ${error instanceof Error ? error.message : String(error)}`);
    this.refusals.inc({ code: refusal.body.code });
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    };
    if (refusal.body.retryAfterMs !== undefined)
      headers['retry-after'] = String(Math.ceil(refusal.body.retryAfterMs / 1000));
    res.writeHead(refusal.status, headers);
    res.end(JSON.stringify(refusal.body));
  }
}

function queryOf(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(new URL(req.url ?? '/', 'http://edge').searchParams);
}

/** `Last-Event-ID` (what EventSource sends on reconnect), else `lastEventId` in the query. */
function resumePoint(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  const value = (Array.isArray(header) ? header[0] : header) ?? queryOf(req)['lastEventId'];
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_LAST_EVENT_ID)
    throw new HttpRefusal(400, { code: 'INVALID', message: `Last-Event-ID: at most ${MAX_LAST_EVENT_ID} characters` });
  return value;
}
