import { DynamicModule, Module } from '@nestjs/common';
import { OrderAccess, TicketAccess } from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import { DEFAULT_CANARY_MAX_AGE_MS, DeliveryCanary, DeliveryHealthController } from './canary/delivery-canary';
import { AdminController } from './admin/admin.controller';
import { UserSessions } from './admin/user-sessions';
import { ChannelAuthorizer } from './channel-authorizer';
import { DEFAULT_DRAIN_OPTIONS, DRAIN_OPTIONS, DrainOptions, EdgeDrain } from './drain/edge-drain';
import { EdgeGateway } from './edge.gateway';
import { DEFAULT_EDGE_LIMITS, EdgeLimits } from './limits/edge-limits';
import { EDGE_LIMITS, EdgeRateLimits } from './limits/edge-rate-limits';
import { HttpOrderAccessLookup, HttpOrderAccessOptions } from './order-access/http-order-access.lookup';
import { InMemoryOrderAccessLookup } from './order-access/in-memory-order-access.lookup';
import { OrderAccessLookup } from './order-access/order-access.port';
import { EdgePresence } from './presence/edge-presence';
import { DEFAULT_TYPING_OPTIONS, EdgeTyping, TYPING_OPTIONS, TypingOptions } from './presence/edge-typing';
import { DEFAULT_OPS_STATS_INTERVAL_MS, EdgeOpsStats, OPS_STATS_INTERVAL } from './ops-stats/edge-ops-stats';
import { ChannelReplay } from './replay/channel-replay';
import { DeliveryFeed } from './replay/delivery-feed';
import { DEFAULT_SSE_OPTIONS, SSE_OPTIONS, SseController, SseOptions } from './sse/sse.controller';
import { SseStreams } from './sse/sse-streams';
import { HttpTicketAccessLookup, HttpTicketAccessOptions } from './ticket-access/http-ticket-access.lookup';
import { InMemoryTicketAccessLookup } from './ticket-access/in-memory-ticket-access.lookup';
import { TicketAccessLookup } from './ticket-access/ticket-access.port';

/** Where order ownership comes from: order-tracking over HTTP, or a Map fed in-process. */
export type OrderAccessOptions =
  | ({ driver: 'http' } & HttpOrderAccessOptions)
  | { driver: 'memory'; orders?: Record<string, OrderAccess> };

/**
 * Where ticket ownership comes from: support-desk over HTTP, or a Map fed in-process. An empty Map
 * (an edge with no support-desk to ask) refuses customers every ticket; agents are never looked up.
 */
export type TicketAccessOptions =
  | ({ driver: 'http' } & HttpTicketAccessOptions)
  | { driver: 'memory'; tickets?: Record<string, TicketAccess> };

export interface EdgeModuleOptions {
  orderAccess: OrderAccessOptions;
  /** Default `{ driver: 'memory' }` with no tickets: customers are refused `ticket:{id}`. */
  ticketAccess?: TicketAccessOptions;
  /** Overrides of {@link DEFAULT_EDGE_LIMITS}. */
  limits?: Partial<EdgeLimits>;
  /** Overrides of {@link DEFAULT_SSE_OPTIONS}. */
  sse?: Partial<SseOptions>;
  /** Overrides of {@link DEFAULT_DRAIN_OPTIONS}. */
  drain?: Partial<DrainOptions>;
  /** Overrides of {@link DEFAULT_TYPING_OPTIONS} (the protocol's 2 s throttle and 8 s expiry; tests shorten them). */
  typing?: Partial<TypingOptions>;
  /** Past this age without a delivery canary, `/health/delivery` answers 503 (default 20 s). */
  canaryMaxAgeMs?: number;
  /** How often this edge reports its connections to the ops board (`ops.stats`, default 2 s); 0: never. */
  opsStatsIntervalMs?: number;
}

function createOrderAccessLookup(options: OrderAccessOptions): OrderAccessLookup {
  switch (options.driver) {
    case 'http':
      return new HttpOrderAccessLookup(options);
    case 'memory':
      return new InMemoryOrderAccessLookup(options.orders);
    default:
      throw new Error(`unknown order access driver ${JSON.stringify((options as { driver: unknown }).driver)}`);
  }
}

function createTicketAccessLookup(options: TicketAccessOptions): TicketAccessLookup {
  switch (options.driver) {
    case 'http':
      return new HttpTicketAccessLookup(options);
    case 'memory':
      return new InMemoryTicketAccessLookup(options.tickets);
    default:
      throw new Error(`unknown ticket access driver ${JSON.stringify((options as { driver: unknown }).driver)}`);
  }
}

/**
 * The connection edge: the socket.io gateway (handshake auth, user rooms, authorised
 * subscriptions with replay from channel history, rate limits, token expiry) and the SSE
 * endpoints (`/sse/channels/:channel`, `/sse/orders/:id`). Expects the global `AuthModule`,
 * `ObservabilityModule`, `RateLimitModule` (the store shared limits are counted in),
 * `TokenRevocationModule` (the operator API revokes tokens there; handshakes check it),
 * `PresenceModule` (who is in ticket channels and on `support:agents`, shared by the edges) and
 * `HistoryModule` (the `ChannelHistory` the workers append to) in the app, and the app to install
 * the socket.io adapter (`app.useWebSocketAdapter(...)`).
 *
 * @example
 * EdgeModule.forRoot({ orderAccess: { driver: 'http', baseUrl: 'http://127.0.0.1:3001', serviceToken } })
 */
@Module({})
export class EdgeModule {
  static forRoot(options: EdgeModuleOptions): DynamicModule {
    return {
      module: EdgeModule,
      providers: [
        { provide: OrderAccessLookup, useFactory: () => createOrderAccessLookup(options.orderAccess) },
        {
          provide: TicketAccessLookup,
          useFactory: () => createTicketAccessLookup(options.ticketAccess ?? { driver: 'memory' }),
        },
        { provide: EDGE_LIMITS, useValue: { ...DEFAULT_EDGE_LIMITS, ...options.limits } },
        { provide: SSE_OPTIONS, useValue: { ...DEFAULT_SSE_OPTIONS, ...options.sse } },
        { provide: DRAIN_OPTIONS, useValue: { ...DEFAULT_DRAIN_OPTIONS, ...options.drain } },
        { provide: TYPING_OPTIONS, useValue: { ...DEFAULT_TYPING_OPTIONS, ...options.typing } },
        EdgePresence,
        EdgeTyping,
        { provide: OPS_STATS_INTERVAL, useValue: options.opsStatsIntervalMs ?? DEFAULT_OPS_STATS_INTERVAL_MS },
        EdgeOpsStats,
        EdgeRateLimits,
        ChannelAuthorizer,
        DeliveryFeed,
        {
          provide: DeliveryCanary,
          useFactory: (metrics?: MetricsService) =>
            new DeliveryCanary(options.canaryMaxAgeMs ?? DEFAULT_CANARY_MAX_AGE_MS, metrics),
          inject: [{ token: MetricsService, optional: true }],
        },
        ChannelReplay,
        EdgeGateway,
        UserSessions,
        SseStreams,
        EdgeDrain,
      ],
      controllers: [SseController, AdminController, DeliveryHealthController],
      exports: [OrderAccessLookup, TicketAccessLookup, ChannelAuthorizer, DeliveryFeed, DeliveryCanary],
    };
  }
}
