import { EdgeModuleOptions } from '../edge.module';
import { DEFAULT_EDGE_LIMITS } from '../limits/edge-limits';
import { SOCKET_PARSERS, SocketServerSettings } from '../socket-server.options';
import { DEFAULT_SSE_OPTIONS } from '../sse/sse.controller';
import { DEFAULT_DRAIN_OPTIONS } from '../drain/edge-drain';
import { DEFAULT_CANARY_MAX_AGE_MS } from '../canary/delivery-canary';
import { DEFAULT_OPS_STATS_INTERVAL_MS } from '../ops-stats/edge-ops-stats';
import { csv, envFragments, positiveInt, refusing, serviceEnv, ServiceSettings } from '@shopnest/platform-config';
import {
  jwtEnvSchema,
  JwtVerifyConfig,
  TokenRevocationConfig,
  tokenRevocationEnvSchema,
} from '@shopnest/platform-auth';
import { FanoutConfig, fanoutEnvSchema } from '@shopnest/platform-fanout';
import { corsOriginsSchema } from '@shopnest/platform-http';
import { HistoryConfig, historyEnvSchema } from '@shopnest/platform-history';
import { PresenceConfig, presenceEnvSchema } from '@shopnest/platform-presence';
import { RateLimitConfig, rateLimitEnvSchema } from '@shopnest/platform-rate-limit';
import { z } from 'zod';

export const CONNECTION_EDGE = 'connection-edge';

/** Everything connection-edge reads from its environment, parsed once at start-up. */
export interface ConnectionEdgeConfig extends ServiceSettings {
  jwt: JwtVerifyConfig;
  /**
   * Rooms: `redis` (the socket.io Redis adapter, shared by every edge and reached by the workers'
   * emitter) or `local` (this process's rooms only: the one-process mode).
   */
  fanout: FanoutConfig;
  edge: EdgeModuleOptions;
  socket: SocketServerSettings;
  /** Where per-user and per-IP limits are counted: Redis (shared by every edge) by default. */
  rateLimit: RateLimitConfig;
  /** Channel history the workers append to; read on subscribe with `since` and by SSE resumes. */
  history: HistoryConfig;
  /** Revoked tokens, checked at every handshake and refresh: Redis (shared by every edge) by default. */
  revocation: TokenRevocationConfig;
  /** Who is in ticket channels and on `support:agents`: Redis (shared by every edge) by default. */
  presence: PresenceConfig;
}

const edgeEnv = z.object({
  ORDER_TRACKING_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://127.0.0.1:3001'),
  /** Secret: a JWT with role `service`, for order-tracking's and support-desk's internal endpoints. */
  SERVICE_TOKEN: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'must be a signed JWT (with role service)'),
  ORDER_ACCESS_TIMEOUT_MS: positiveInt(2_000),
  /** Unset: no support-desk to ask, so customers are refused `ticket:{id}` (agents are never looked up). */
  SUPPORT_DESK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  TICKET_ACCESS_TIMEOUT_MS: positiveInt(2_000),
  CORS_ORIGINS: corsOriginsSchema.optional(),
  SOCKET_TRANSPORTS: csv()
    .pipe(z.array(z.enum(['websocket', 'polling'])))
    .default(['websocket', 'polling']),
  SOCKET_IO_PARSER: z.enum(SOCKET_PARSERS).default('json'),
  MAX_PAYLOAD_BYTES: positiveInt(65_536),
  SOCKET_PING_INTERVAL_MS: positiveInt(25_000),
  SOCKET_PING_TIMEOUT_MS: positiveInt(20_000),
  RATE_LIMIT_CONNECTION_MESSAGES_PER_S: positiveInt(DEFAULT_EDGE_LIMITS.messagesPerSecondPerConnection),
  RATE_LIMIT_USER_MESSAGES_PER_S: positiveInt(DEFAULT_EDGE_LIMITS.messagesPerSecondPerUser),
  RATE_LIMIT_IP_CONNECTIONS_PER_S: positiveInt(DEFAULT_EDGE_LIMITS.connectionsPerSecondPerIp),
  MAX_CONNECTIONS_PER_USER: positiveInt(DEFAULT_EDGE_LIMITS.connectionsPerUser),
  RATE_LIMIT_ABUSE_REFUSALS: positiveInt(DEFAULT_EDGE_LIMITS.abuseRefusals),
  RATE_LIMIT_ABUSE_WINDOW_S: positiveInt(DEFAULT_EDGE_LIMITS.abuseWindowSeconds),
  CONNECTION_LEASE_S: positiveInt(DEFAULT_EDGE_LIMITS.connectionLeaseSeconds),
  REPLAY_HOLD_BACK_EVENTS: positiveInt(DEFAULT_EDGE_LIMITS.replayHoldBackEvents),
  REPLAY_HOLD_BACK_BYTES: positiveInt(DEFAULT_EDGE_LIMITS.replayHoldBackBytes),
  MAX_OUTBOUND_BYTES: positiveInt(DEFAULT_EDGE_LIMITS.maxOutboundBytes),
  SSE_HEARTBEAT_S: positiveInt(DEFAULT_SSE_OPTIONS.heartbeatMs / 1000),
  SSE_RETRY_MS: positiveInt(DEFAULT_SSE_OPTIONS.retryMs),
  DRAIN_DELAY_MS: z.coerce.number().int().nonnegative().default(DEFAULT_DRAIN_OPTIONS.delayMs),
  DRAIN_WINDOW_MS: positiveInt(DEFAULT_DRAIN_OPTIONS.windowMs),
  CANARY_MAX_AGE_MS: positiveInt(DEFAULT_CANARY_MAX_AGE_MS),
  OPS_STATS_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_OPS_STATS_INTERVAL_MS),
});

/**
 * The connection-edge environment: service settings (`PORT` default 3000), the JWT keys, Redis,
 * order-tracking's URL and service token, support-desk's URL (optional), the socket server's settings, the rate limits, SSE
 * timing, channel history (the same `HISTORY*` keys as the notification-worker) and presence (`PRESENCE_*`).
 * See `.env.example`.
 */
export const connectionEdgeEnvSchema = envFragments({
  service: serviceEnv(3000),
  jwt: jwtEnvSchema,
  edge: edgeEnv,
  fanout: fanoutEnvSchema,
  rateLimit: rateLimitEnvSchema,
  revocation: tokenRevocationEnvSchema,
  history: historyEnvSchema,
  presence: presenceEnvSchema,
}).transform(
  ({ service, jwt, edge: e, fanout, rateLimit, revocation, history, presence }): ConnectionEdgeConfig => ({
    ...service,
    jwt,
    fanout,
    edge: {
      orderAccess: {
        driver: 'http',
        baseUrl: e.ORDER_TRACKING_URL,
        serviceToken: e.SERVICE_TOKEN,
        timeoutMs: e.ORDER_ACCESS_TIMEOUT_MS,
      },
      ticketAccess: e.SUPPORT_DESK_URL
        ? {
            driver: 'http',
            baseUrl: e.SUPPORT_DESK_URL,
            serviceToken: e.SERVICE_TOKEN,
            timeoutMs: e.TICKET_ACCESS_TIMEOUT_MS,
          }
        : { driver: 'memory' },
      limits: {
        messagesPerSecondPerConnection: e.RATE_LIMIT_CONNECTION_MESSAGES_PER_S,
        messagesPerSecondPerUser: e.RATE_LIMIT_USER_MESSAGES_PER_S,
        connectionsPerSecondPerIp: e.RATE_LIMIT_IP_CONNECTIONS_PER_S,
        connectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
        abuseRefusals: e.RATE_LIMIT_ABUSE_REFUSALS,
        abuseWindowSeconds: e.RATE_LIMIT_ABUSE_WINDOW_S,
        connectionLeaseSeconds: e.CONNECTION_LEASE_S,
        replayHoldBackEvents: e.REPLAY_HOLD_BACK_EVENTS,
        replayHoldBackBytes: e.REPLAY_HOLD_BACK_BYTES,
        maxOutboundBytes: e.MAX_OUTBOUND_BYTES,
      },
      // One limit for how far a client may fall behind, whether it reads a socket or an SSE stream.
      sse: { heartbeatMs: e.SSE_HEARTBEAT_S * 1000, retryMs: e.SSE_RETRY_MS, maxBufferedBytes: e.MAX_OUTBOUND_BYTES },
      drain: { delayMs: e.DRAIN_DELAY_MS, windowMs: e.DRAIN_WINDOW_MS },
      canaryMaxAgeMs: e.CANARY_MAX_AGE_MS,
      opsStatsIntervalMs: e.OPS_STATS_INTERVAL_MS,
    },
    socket: {
      corsOrigins: e.CORS_ORIGINS ?? null,
      transports: e.SOCKET_TRANSPORTS,
      maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
      pingIntervalMs: e.SOCKET_PING_INTERVAL_MS,
      pingTimeoutMs: e.SOCKET_PING_TIMEOUT_MS,
      parser: e.SOCKET_IO_PARSER,
    },
    rateLimit,
    revocation,
    history,
    presence,
  }),
);

/**
 * connection-edge as its own process (the cluster): events reach it from the workers through Redis
 * and it replays from their history, so the in-process adapters of the one-process mode are
 * refused, each with the reason. `RATE_LIMIT_STORE=memory` stays allowed (per-edge budgets).
 */
export const connectionEdgeProcessEnvSchema = refusing(connectionEdgeEnvSchema, [
  {
    key: 'FANOUT',
    value: 'local',
    why: 'an edge in its own process would receive no events from the workers; they reach edges through Redis',
  },
  {
    key: 'HISTORY',
    value: 'memory',
    why: 'the workers append channel history in Redis; an edge reading its own memory would replay nothing',
  },
  { key: 'REVOCATION_STORE', value: 'memory', why: 'a token revoked through one edge would still pass at the others' },
  { key: 'PRESENCE_STORE', value: 'memory', why: 'users connected to another edge would never be seen online' },
]);
