import { DynamicModule, INestApplication } from '@nestjs/common';
import { LocalFanout, LocalIoAdapter } from '@shopnest/platform-fanout';
import { Envelope, Role } from '@shopnest/contracts';
import { AuthModule, jwtEnvSchema, TokenRevocationModule } from '@shopnest/platform-auth';
import { DEFAULT_HISTORY_LIMITS, HistoryModule } from '@shopnest/platform-history';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { PresenceModule } from '@shopnest/platform-presence';
import { RateLimitModule } from '@shopnest/platform-rate-limit';
import { signTestToken, TEST_JWT_ENV } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { DeliveryFeed } from '../replay/delivery-feed';
import { Server, ServerOptions } from 'socket.io';
import { io, Socket as ClientSocket } from 'socket.io-client';

/**
 * The one-process adapter (in-memory rooms and a `LocalFanout`, read by the edge's
 * `DeliveryFeed`), keeping the socket.io server it creates: a test publishes through `fanout`
 * as the worker would, or emits to `server` directly; `serverOptions` (e.g. a payload limit)
 * override the gateway's.
 */
export class RecordingIoAdapter extends LocalIoAdapter {
  server?: Server;
  readonly localFanout: LocalFanout;

  constructor(
    app: INestApplication,
    private readonly testOptions: Partial<ServerOptions> = {},
  ) {
    const fanout = new LocalFanout();
    super(app, fanout);
    this.localFanout = fanout;
    app.get(DeliveryFeed).use(fanout);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    this.server = super.createIOServer(port, { ...options, ...this.testOptions });
    return this.server;
  }
}

let sequence = 0;

/** An event of order `o-alice`, with a sequence that grows across the test file. */
export function aliceEvent(type = 'order.status_changed'): Envelope {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type,
    source: '/test',
    subject: 'o-alice',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    sequence: ++sequence,
    data: {},
  };
}

/** The sequence of the newest {@link aliceEvent}. */
export const lastAliceSequence = (): number => sequence;

/**
 * What the app gives EdgeModule (all global there): quiet observability, test-token auth, and
 * in-memory rate limits, token revocations, history and presence (`presenceTtlMs`, default 60 s).
 */
export function edgePlatformModules({ presenceTtlMs = 60_000 }: { presenceTtlMs?: number } = {}): DynamicModule[] {
  return [
    ObservabilityModule.forRoot({ service: 'edge-test', logLevel: 'silent' }),
    AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV)),
    RateLimitModule.forRoot({ driver: 'memory' }),
    TokenRevocationModule.forRoot({ driver: 'memory', userCutoffTtlS: 3_600 }),
    HistoryModule.forRoot({ driver: 'memory', limits: DEFAULT_HISTORY_LIMITS }),
    PresenceModule.forRoot({ driver: 'memory', ttlMs: presenceTtlMs }),
  ];
}

/** A connected test client that records every event it receives. */
export interface RecordingClient {
  socket: ClientSocket;
  /** The payloads of `event` received so far, in order. */
  received(event: string): unknown[];
}

/**
 * Connects `userId` with `roles` to the edge at `url` over WebSocket (no reconnection), resolving
 * once connected and rejecting with the `connect_error`.
 */
export async function connectRecordingClient(url: string, userId: string, roles: Role[]): Promise<RecordingClient> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token: signTestToken(userId, { roles }) },
  });
  const inbox = new Map<string, unknown[]>();
  socket.onAny((event: string, payload: unknown) => {
    const list = inbox.get(event) ?? [];
    inbox.set(event, list);
    list.push(payload);
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
  return { socket, received: (event) => inbox.get(event) ?? [] };
}

/**
 * The environment of an edge on Redis at `redisUrl` whose every key (rooms, history, limits,
 * revocations, presence) carries the prefix of `run`, so edges of one run share them and no other
 * run sees them.
 */
export function redisEdgeEnv(run: string, redisUrl: string): NodeJS.ProcessEnv {
  return {
    ...TEST_JWT_ENV,
    REDIS_URL: redisUrl,
    SOCKET_IO_KEY: `it:${run}`,
    HISTORY_KEY_PREFIX: `it:${run}:history:`,
    RATE_LIMIT_KEY_PREFIX: `it:${run}:rl:`,
    REVOCATION_KEY_PREFIX: `it:${run}:revoked:`,
    PRESENCE_KEY_PREFIX: `it:${run}:presence:`,
    SERVICE_TOKEN: signTestToken('connection-edge', { roles: ['service'] }),
    LOG_LEVEL: 'silent',
  };
}
