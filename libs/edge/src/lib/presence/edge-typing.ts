import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  Ack,
  ackError,
  ackOk,
  PRESENCE_SERVER_EVENTS,
  ticketChannel,
  ticketInternalChannel,
  TypingEvent,
  TypingRequest,
  userChannel,
} from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import { Counter } from 'prom-client';
import type { EdgeServer, EdgeSocket } from '../edge.gateway';

export interface TypingOptions {
  /** A typist's further `start`s within this time of the last one sent are acked but not sent again. */
  throttleMs: number;
  /** The edge sends `stop` by itself this long after a typist's last `start`. */
  expireMs: number;
  /** How often the one sweep looks for expired typists. */
  sweepMs: number;
}

export const DEFAULT_TYPING_OPTIONS: TypingOptions = { throttleMs: 2_000, expireMs: 8_000, sweepMs: 500 };
export const TYPING_OPTIONS = Symbol('TYPING_OPTIONS');

interface Typist {
  ticketId: string;
  userId: string;
  internal: boolean;
  /** When the last `start` was sent to the others. */
  sentAt: number;
  /** When the last `start` arrived, sent or not. */
  lastStartAt: number;
}

/**
 * `chat.typing`: checks that the socket is in the channel its signal goes to (`ticket:{id}`, or
 * `ticket-internal:{id}` for agents' internal-note typing), sends it volatile to the channel's
 * other members on every edge (never to the typist's own connections), throttles a typist's
 * repeated `start`s, and sends `stop` for a typist whose last `start` is older than `expireMs`
 * (one sweep timer for the whole edge). Typing state is this edge's: a typist's signals normally
 * all come through the one connection they type in.
 */
@Injectable()
export class EdgeTyping implements OnModuleInit, OnModuleDestroy {
  private readonly events: Counter<string>;
  /** Typists who started and have not stopped, by user, ticket and channel. */
  private readonly typists = new Map<string, Typist>();
  private server?: EdgeServer;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(TYPING_OPTIONS) private readonly options: TypingOptions,
    metrics: MetricsService,
  ) {
    this.events = metrics.counter(
      'edge_typing_events_total',
      'chat.typing signals: sent on, throttled (a start within the throttle), expired (stop sent by the edge)',
      ['result'],
    );
  }

  use(server: EdgeServer): void {
    this.server = server;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.expire(), this.options.sweepMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  typing(socket: EdgeSocket, { ticketId, state, internal = false }: TypingRequest): Ack {
    const { principal } = socket.data;
    if (internal && !principal.roles.includes('agent'))
      return ackError('FORBIDDEN', 'internal: internal-note typing is for agents only');
    const channel = internal ? ticketInternalChannel(ticketId) : ticketChannel(ticketId);
    if (!socket.rooms.has(channel)) return ackError('FORBIDDEN', `subscribe to ${channel} before typing there`);
    const key = `${principal.userId}\n${channel}`;
    const typist = this.typists.get(key);
    const now = Date.now();
    if (state === 'stop') {
      if (typist) this.stop(key, typist, 'stopped');
      return ackOk();
    }
    if (typist && now - typist.sentAt < this.options.throttleMs) {
      typist.lastStartAt = now;
      this.events.inc({ result: 'throttled' });
      return ackOk();
    }
    this.typists.set(key, { ticketId, userId: principal.userId, internal, sentAt: now, lastStartAt: now });
    this.send({ ticketId, userId: principal.userId, state: 'start', internal });
    this.events.inc({ result: 'sent' });
    return ackOk();
  }

  /** Sends `stop` for every typist whose last `start` is `expireMs` old. */
  expire(): void {
    const cutoff = Date.now() - this.options.expireMs;
    for (const [key, typist] of [...this.typists]) if (typist.lastStartAt <= cutoff) this.stop(key, typist, 'expired');
  }

  private stop(key: string, typist: Typist, result: 'stopped' | 'expired'): void {
    this.typists.delete(key);
    this.send({ ticketId: typist.ticketId, userId: typist.userId, state: 'stop', internal: typist.internal });
    this.events.inc({ result });
  }

  private send(event: TypingEvent): void {
    const channel = event.internal ? ticketInternalChannel(event.ticketId) : ticketChannel(event.ticketId);
    this.server?.to(channel).except(userChannel(event.userId)).volatile.emit(PRESENCE_SERVER_EVENTS.typing, event);
  }
}
