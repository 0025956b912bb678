import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import {
  Ack,
  ackError,
  ackOk,
  AuthRefreshAck,
  authRefreshRequestSchema,
  CLIENT_EVENTS,
  ConnectErrorData,
  describeZodError,
  ErrorBody,
  PRESENCE_CLIENT_EVENTS,
  PresenceStatusAck,
  presenceStatusRequestSchema,
  Principal,
  ProtocolError,
  SESSION_CLIENT_EVENTS,
  SESSION_SERVER_EVENTS,
  SessionDraining,
  SessionExpired,
  SessionTerminated,
  SUPPORT_AGENTS_CHANNEL,
  subscribeRequestSchema,
  SubscribeAck,
  SubscribeRequest,
  unsubscribeRequestSchema,
  TypingAck,
  typingRequestSchema,
  UnsubscribeAck,
  userChannel,
} from '@shopnest/contracts';
import { HandshakeAuthenticator, HandshakeRefused } from '@shopnest/platform-auth';
import { MetricsService } from '@shopnest/platform-observability';
import { Counter, Gauge } from 'prom-client';
import { DefaultEventsMap, Server, Socket } from 'socket.io';
import { ZodError } from 'zod';
import { ChannelAuthorizer } from './channel-authorizer';
import { EdgeLimits } from './limits/edge-limits';
import { EDGE_LIMITS, EdgeRateLimits, LimitRefusal } from './limits/edge-rate-limits';
import { OutboundBacklogWatch } from './limits/outbound-backlog';
import { EdgePresence, hasPresence } from './presence/edge-presence';
import { EdgeTyping } from './presence/edge-typing';
import { EDGE_ID } from './edge-id';
import { EdgeOpsStats } from './ops-stats/edge-ops-stats';
import { ChannelReplay, ReplayResult } from './replay/channel-replay';
import { DeliveryFeed } from './replay/delivery-feed';
import { SessionExpiry } from './session/session-expiry';

/** What the edge keeps on each socket; set by the handshake middleware before `connection`. */
export interface EdgeSocketData {
  principal: Principal;
  /** Set on connection; read by operators across edges (it travels with `fetchSockets`). */
  session?: { edge: string; connectedAt: number; transport: 'websocket' | 'polling' };
}

export type EdgeSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, EdgeSocketData>;
export type EdgeServer = Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, EdgeSocketData>;

/** Every event a client may send; anything else is answered `INVALID`. */
export const INBOUND_EVENTS: readonly string[] = [
  ...Object.values(CLIENT_EVENTS),
  ...Object.values(SESSION_CLIENT_EVENTS),
  ...Object.values(PRESENCE_CLIENT_EVENTS),
];
const KNOWN_EVENTS = new Set<string>(INBOUND_EVENTS);

const MAX_INVALID_MESSAGE = 300;

type Reply = (error: ErrorBody & { retryAfterMs?: number }) => void;

/** An inbound event's handler: the payload in, the ack out (it never rejects; see `answer`). */
type InboundHandler = (socket: EdgeSocket, payload: unknown) => Promise<object>;

/**
 * The socket.io face of the edge. Server options (CORS, transports, payload limit, keep-alive)
 * come from the IoAdapter the app installs, so this class holds only protocol and policy:
 *
 * - handshake: per-IP connection rate, token, per-user connection count (`connect_error` with
 *   `UNAUTHENTICATED` or `RATE_LIMITED`); then the socket joins its `user:{sub}` room;
 * - every inbound message passes {@link guardInbound} first (rate limits, known event names),
 *   so no handler runs for a refused message and every refusal is answered; the guard then calls
 *   the event's handler itself (see {@link dispatch}: nothing is bound per socket and event);
 * - handlers validate their payload and always answer with an ack, whatever goes wrong inside;
 * - the session ends at the token's `exp` unless `auth.refresh` brought a newer token;
 * - a client that lets more than `maxOutboundBytes` wait unread is disconnected as a slow consumer;
 * - presence and typing (ephemeral, never in history) are {@link EdgePresence}'s and {@link EdgeTyping}'s.
 */
@WebSocketGateway()
export class EdgeGateway
  implements
    OnGatewayInit<EdgeServer>,
    OnGatewayConnection<EdgeSocket>,
    OnGatewayDisconnect<EdgeSocket>,
    OnModuleDestroy
{
  private readonly logger = new Logger(EdgeGateway.name);
  private readonly connections: Gauge<string>;
  private readonly byTransport: Gauge<string>;
  private readonly refusals: Counter<string>;
  private readonly handshakeRefusals: Counter<string>;
  private readonly subscriptions: Counter<string>;
  private readonly replayed: Counter<string>;
  private readonly seamDrops: Counter<string>;
  private readonly seamOverflows: Counter<string>;
  private readonly slowConsumers: Counter<string>;
  private readonly sessions = new SessionExpiry((socketId, expiredAt) => this.expire(socketId, expiredAt));
  private readonly backlogs: OutboundBacklogWatch<EdgeSocket>;
  /**
   * Inbound events and their handlers, called by {@link dispatch}. Not `@SubscribeMessage`: Nest
   * binds those per socket and event (a bound callback and an RxJS chain each, several KiB per
   * connection; see docs/benchmarks/README.md, "Heap per connection").
   */
  private readonly handlers: ReadonlyMap<string, InboundHandler> = new Map<string, InboundHandler>([
    [CLIENT_EVENTS.subscribe, (socket, payload) => this.subscribe(socket, payload)],
    [CLIENT_EVENTS.unsubscribe, (socket, payload) => this.unsubscribe(socket, payload)],
    [PRESENCE_CLIENT_EVENTS.typing, (socket, payload) => this.typing(socket, payload)],
    [PRESENCE_CLIENT_EVENTS.status, (socket, payload) => this.setPresenceStatus(socket, payload)],
    [SESSION_CLIENT_EVENTS.refresh, (socket, payload) => this.refresh(socket, payload)],
  ]);

  constructor(
    private readonly authenticator: HandshakeAuthenticator,
    private readonly authorizer: ChannelAuthorizer,
    private readonly limits: EdgeRateLimits,
    private readonly replay: ChannelReplay,
    private readonly presence: EdgePresence,
    private readonly typists: EdgeTyping,
    private readonly opsStats: EdgeOpsStats,
    feed: DeliveryFeed,
    metrics: MetricsService,
    @Inject(EDGE_LIMITS) private readonly edgeLimits: EdgeLimits,
  ) {
    feed.onRestored(() => this.resumeAll());
    this.backlogs = new OutboundBacklogWatch(edgeLimits.maxOutboundBytes, (socket, queuedBytes) =>
      this.dropSlowConsumer(socket, queuedBytes),
    );
    this.connections = metrics.gauge('edge_connections', 'Open socket.io connections on this edge');
    this.byTransport = metrics.gauge(
      'edge_connections_by_transport',
      'Open socket.io connections on this edge, by their current transport (websocket, polling)',
      ['transport'],
    );
    this.handshakeRefusals = metrics.counter(
      'edge_handshake_refusals_total',
      'Connection attempts refused at the handshake',
      ['code'],
    );
    this.refusals = metrics.counter(
      'edge_message_refusals_total',
      'Inbound messages refused before any handler, by reason',
      ['reason'],
    );
    this.subscriptions = metrics.counter('edge_subscriptions_total', 'Subscribe requests by result', ['result']);
    this.replayed = metrics.counter(
      'edge_replayed_events_total',
      'Events sent from channel history on subscribe (socket and SSE)',
      [],
    );
    this.seamDrops = metrics.counter(
      'edge_replay_seam_drops_total',
      'Live deliveries dropped at the replay/live seam as already replayed',
      [],
    );
    this.seamOverflows = metrics.counter(
      'edge_replay_hold_back_overflows_total',
      'Subscriptions whose held-back live deliveries outgrew the limit (acked recovered: false)',
      [],
    );
    this.slowConsumers = metrics.counter(
      'edge_slow_consumer_disconnects_total',
      'Connections disconnected because more than MAX_OUTBOUND_BYTES waited for them to read, by transport',
      ['transport'],
    );
  }

  /** The socket.io server (set in `afterInit`); room operations on it reach every edge. */
  server!: EdgeServer;
  private draining = false;

  /**
   * Moves this edge's clients elsewhere (graceful drain): new handshakes are refused
   * (`UNAVAILABLE`), every socket gets `session.draining` with its own delay from `delayFor()`, and
   * its transport is closed `graceMs` after that delay unless the client left first. The transport
   * is closed without a disconnect packet: socket.io clients reconnect after a transport close, never
   * after a server-side disconnect. Resolves when no socket is left, or at the latest delay plus grace.
   */
  async drainSockets(delayFor: () => number, graceMs: number): Promise<number> {
    this.draining = true;
    this.presence.handOver();
    const sockets = [...this.connected().values()];
    let latest = 0;
    for (const socket of sockets) {
      const reconnectAfterMs = Math.round(delayFor());
      latest = Math.max(latest, reconnectAfterMs);
      const body: SessionDraining = {
        reconnectAfterMs,
        message: 'this edge is shutting down; reconnect after reconnectAfterMs and subscribe with since',
      };
      socket.emit(SESSION_SERVER_EVENTS.draining, body);
      setTimeout(() => socket.conn.close(), reconnectAfterMs + graceMs).unref();
    }
    const deadline = Date.now() + latest + graceMs + 1_000;
    while (this.connected().size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return sockets.length;
  }

  afterInit(server: EdgeServer): void {
    this.server = server;
    this.presence.use(server);
    this.typists.use(server);
    this.opsStats.use(server);
    server.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (error: Error) => next(error),
      );
    });
  }

  async handleConnection(socket: EdgeSocket): Promise<void> {
    const { principal } = socket.data;
    this.connections.inc();
    const session = { edge: EDGE_ID, connectedAt: Date.now(), transport: transportOf(socket) };
    socket.data.session = session;
    this.countTransport(socket, session);
    // The one closure per socket: socket.io's middleware is not told which socket it runs for.
    socket.use((packet) => void this.inbound(socket, packet));
    this.limits.holdConnection(principal.userId, socket.id);
    this.sessions.schedule(socket.id, principal.expiresAt);
    this.backlogs.watch(socket.conn, socket);
    try {
      await socket.join(userChannel(principal.userId));
    } catch (error) {
      this.logger.error(`could not join socket ${socket.id} to its user room: ${describe(error)}`);
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: EdgeSocket): void {
    this.connections.dec();
    this.byTransport.dec({ transport: socket.conn.transport.name });
    this.sessions.cancel(socket.id);
    this.limits.releaseConnection(socket.id);
    void this.presence.disconnected(socket);
  }

  /**
   * Counts the socket under its transport, and moves it (and its session's transport) when it
   * upgrades from long-polling to WebSocket. A WebSocket connection never upgrades, so it gets no
   * listener that would stay for its whole life.
   */
  private countTransport(socket: EdgeSocket, session: NonNullable<EdgeSocketData['session']>): void {
    const from = socket.conn.transport.name;
    this.byTransport.inc({ transport: from });
    if (from === 'websocket') return;
    socket.conn.once('upgrade', (transport: { name: string }) => {
      // A socket that already left was counted down under its transport then.
      if (!socket.connected) return;
      session.transport = transportOf(socket);
      this.byTransport.dec({ transport: from });
      this.byTransport.inc({ transport: transport.name });
    });
  }

  /** This edge's connected sockets (the default namespace's own map; the gateway keeps none). */
  private connected(): ReadonlyMap<string, EdgeSocket> {
    return this.server.sockets.sockets;
  }

  /** An inbound packet: the guard, then its handler, whose result is the ack. */
  private async inbound(socket: EdgeSocket, packet: unknown[]): Promise<void> {
    try {
      if (await this.guardInbound(socket, packet)) await this.dispatch(socket, packet);
    } catch (error) {
      // guardInbound answers its own failures and handlers never reject; this only keeps a bug
      // from becoming an unhandled rejection.
      this.logger.error(`inbound packet failed for socket ${socket.id}: ${describe(error)}`);
    }
  }

  /**
   * Calls the packet's handler with its payload and answers through its ack callback (the guard
   * made sure there is one). Like Nest's socket.io adapter: the payload is the one argument
   * before the ack, several become an array.
   */
  private async dispatch(socket: EdgeSocket, packet: unknown[]): Promise<void> {
    const [event, ...args] = packet;
    const handler = this.handlers.get(String(event));
    const ack = args.pop() as (response: object) => void;
    if (!handler) return;
    ack(await handler(socket, args.length === 1 ? args[0] : args.length === 0 ? undefined : args));
  }

  onModuleDestroy(): void {
    this.sessions.cancelAll();
  }

  async subscribe(socket: EdgeSocket, payload: unknown): Promise<SubscribeAck> {
    const ack = await this.answer(socket, CLIENT_EVENTS.subscribe, async (): Promise<SubscribeAck> => {
      const request = subscribeRequestSchema.safeParse(payload);
      if (!request.success) return invalid(request.error);
      return this.attach(socket, request.data);
    });
    this.subscriptions.inc({ result: ack.ok ? 'ok' : ack.error.code });
    // After the ack is on its way: the subscriber learns the members once it knows it is in.
    if (ack.ok && hasPresence(ack.channel)) setImmediate(() => void this.presence.subscribed(socket, ack.channel));
    return ack;
  }

  unsubscribe(socket: EdgeSocket, payload: unknown): Promise<UnsubscribeAck> {
    return this.answer(socket, CLIENT_EVENTS.unsubscribe, async (): Promise<UnsubscribeAck> => {
      const request = unsubscribeRequestSchema.safeParse(payload);
      if (!request.success) return invalid(request.error);
      // Leaving needs no authorisation, and leaving a room one is not in is a no-op.
      await socket.leave(request.data.channel);
      await this.presence.left(socket, request.data.channel);
      return ackOk({ channel: request.data.channel });
    });
  }

  /** Somebody starts or stops typing in a ticket; see {@link EdgeTyping}. */
  typing(socket: EdgeSocket, payload: unknown): Promise<TypingAck> {
    return this.answer(socket, PRESENCE_CLIENT_EVENTS.typing, async (): Promise<TypingAck> => {
      const request = typingRequestSchema.safeParse(payload);
      if (!request.success) return invalid(request.error);
      return this.typists.typing(socket, request.data);
    });
  }

  /** An agent's status on `support:agents` (online, busy, away), announced there as a `presence.diff`. */
  setPresenceStatus(socket: EdgeSocket, payload: unknown): Promise<PresenceStatusAck> {
    return this.answer(socket, PRESENCE_CLIENT_EVENTS.status, async (): Promise<PresenceStatusAck> => {
      const request = presenceStatusRequestSchema.safeParse(payload);
      if (!request.success) return invalid(request.error);
      if (!socket.data.principal.roles.includes('agent')) return ackError('FORBIDDEN', 'only agents have a status');
      if (!this.presence.isMember(socket, SUPPORT_AGENTS_CHANNEL))
        return ackError('CONFLICT', `subscribe to ${SUPPORT_AGENTS_CHANNEL} before setting a status`);
      const member = await this.presence.setStatus(socket, request.data.status);
      if (!member) return ackError('CONFLICT', `not (yet) a member of ${SUPPORT_AGENTS_CHANNEL}; try again`);
      return ackOk({ status: request.data.status });
    });
  }

  /**
   * Replaces the connection's token: same subject required. The new token's roles apply from
   * now on, so rooms the new principal may no longer join are left.
   */
  refresh(socket: EdgeSocket, payload: unknown): Promise<AuthRefreshAck> {
    return this.answer(socket, SESSION_CLIENT_EVENTS.refresh, async (): Promise<AuthRefreshAck> => {
      const request = authRefreshRequestSchema.safeParse(payload);
      if (!request.success) return invalid(request.error);
      let principal: Principal;
      try {
        principal = await this.authenticator.authenticateToken(request.data.token);
      } catch (error) {
        if (error instanceof HandshakeRefused) return ackError(error.code, error.message);
        throw error;
      }
      if (principal.userId !== socket.data.principal.userId)
        return ackError('FORBIDDEN', 'the new token is for another user');
      if (socket.disconnected) return ackError('UNAUTHENTICATED', 'the session ended before the refresh completed');
      socket.data.principal = principal;
      this.sessions.schedule(socket.id, principal.expiresAt);
      await this.reauthorize(socket, principal);
      return ackOk({ expiresAt: principal.expiresAt ?? null });
    });
  }

  /**
   * Authorises the subscriber and, side by side, reads what the subscription sends first (the
   * snapshot, or the history after `since` and the latest volatile event): one round trip's wait
   * instead of two. Nothing is sent, and no room joined, until the authorisation allows it. Then
   * joins the socket to its channel and replays what followed `since` (or the snapshot's offset)
   * before the ack; live deliveries are held back meanwhile (see {@link ChannelReplay}), so the
   * client sees replay then live, with no gap and no duplicate at the seam.
   */
  private async attach(socket: EdgeSocket, request: SubscribeRequest): Promise<SubscribeAck> {
    let refusal: SubscribeAck | undefined;
    const admitted = this.authorizer.authorize(socket.data.principal, request.channel).then((decision) => {
      if (!decision.allowed) refusal = ackError(decision.code, decision.message);
      // The lookup may have outlived the socket; joining now would leave a dead id in the room.
      else if (socket.disconnected) refusal = ackError('INTERNAL', 'disconnected before the subscription completed');
      return refusal === undefined;
    });
    const result: (ReplayResult & { snapshot?: { offset: string } | null }) | null = request.snapshot
      ? await this.replay.subscribeSocketFromSnapshot(socket, request.channel, admitted)
      : await this.replay.subscribeSocket(socket, request.channel, request.since, admitted);
    if (!result) return refusal as SubscribeAck;
    this.replayed.inc(result.replayed);
    this.seamDrops.inc(result.droppedAtSeam);
    if (result.overflowed) {
      this.seamOverflows.inc();
      this.logger.warn(
        `subscribe ${request.channel}: live deliveries held back during the replay outgrew the limit; acked recovered: false`,
      );
    }
    return ackOk({
      channel: request.channel,
      ...(result.recovered !== undefined && { recovered: result.recovered }),
      ...(result.snapshot !== undefined && { snapshot: result.snapshot }),
    });
  }

  /**
   * Handshake middleware. The token's signature and claims first (no I/O: tens of microseconds,
   * less than the WebSocket upgrade before it). Then one round trip to each store, side by side:
   * the address's connection rate with the user's connection slot (one script), and the token's
   * revocation. A bad token still counts against its address, so a flood of them is refused
   * `RATE_LIMITED` like any other. Refusals keep their precedence (address rate, token, user's
   * slots); a slot taken by a handshake that is refused after all is given back.
   */
  private async admit(socket: EdgeSocket): Promise<void> {
    if (this.draining)
      throw this.refuseHandshake('UNAVAILABLE', {
        message: 'this edge is shutting down; connect again (to another edge)',
      });
    const { headers, query, auth } = socket.handshake;
    const principal = await this.authenticator.verify({ headers, query, auth }).catch(async (error: unknown) => {
      const throttled = await this.limits.admitConnection(socket.handshake.address);
      throw throttled ? this.refuseHandshake('RATE_LIMITED', throttled) : this.authRefusal(error);
    });
    const [limited, revocation] = await Promise.all([
      this.limits.admitUserConnection(socket.handshake.address, principal.userId, socket.id),
      this.authenticator.checkRevocation(principal).then(
        () => null,
        (error: unknown) => ({ error }),
      ),
    ]);
    if (limited?.limit === 'rate') throw this.refuseHandshake('RATE_LIMITED', limited.refusal);
    if (revocation) {
      if (!limited) this.limits.abandonConnection(principal.userId, socket.id);
      throw this.authRefusal(revocation.error);
    }
    if (limited) throw this.refuseHandshake('RATE_LIMITED', limited.refusal);
    socket.data.principal = principal;
  }

  private authRefusal(error: unknown): Error {
    const refused = error instanceof HandshakeRefused;
    if (!refused) this.logger.error(`handshake authentication failed unexpectedly: ${describe(error)}`);
    return this.refuseHandshake(refused ? error.code : 'UNAUTHENTICATED', {
      message: refused ? error.message : 'could not verify the token',
    });
  }

  /** The error socket.io turns into the client's `connect_error`, its `data` carrying code and reason. */
  private refuseHandshake(code: ConnectErrorData['code'], refusal: LimitRefusal): Error {
    this.handshakeRefusals.inc({ code });
    const data: ConnectErrorData & { retryAfterMs?: number } = { code, ...refusal };
    return Object.assign(new Error(data.message), { data });
  }

  /**
   * Runs before any handler, for every inbound packet: rate limits, then the event name. A
   * refused packet is answered through its ack callback or, without one, with `protocol.error`;
   * a packet without ack callback gets one that reports a failed ack the same way. Resolves
   * true when the packet may go on to its handler. Never rejects into socket.io: an error
   * passed to `next` would be emitted as `error` on the server socket, which nobody listens to.
   */
  private async guardInbound(socket: EdgeSocket, packet: unknown[]): Promise<boolean> {
    const event = typeof packet[0] === 'string' ? packet[0] : String(packet[0]);
    const ack =
      typeof packet[packet.length - 1] === 'function'
        ? (packet[packet.length - 1] as (response: Ack) => void)
        : undefined;
    const reply: Reply = (error) => {
      if (ack) ack({ ok: false, error });
      else
        socket.emit(SESSION_SERVER_EVENTS.protocolError, {
          ...error,
          event: event.slice(0, 64),
        } satisfies ProtocolError);
    };
    try {
      const limited = await this.limits.admitMessage(socket.id, socket.data.principal.userId);
      if (limited) {
        this.refusals.inc({ reason: 'rate_limited' });
        reply({ code: 'RATE_LIMITED', ...limited });
        if (await this.limits.isAbusive(socket.id)) this.terminate(socket);
        return false;
      }
      if (!KNOWN_EVENTS.has(event)) {
        this.refusals.inc({ reason: 'unknown_event' });
        reply({
          code: 'INVALID',
          message: `unknown event ${JSON.stringify(event.slice(0, 64))}; known: ${INBOUND_EVENTS.join(', ')}`,
        });
        return false;
      }
      if (!ack) packet.push((response: Ack) => !response.ok && reply(response.error));
      return true;
    } catch (error) {
      this.logger.error(
        `checking ${JSON.stringify(event.slice(0, 64))} from socket ${socket.id} failed: ${describe(error)}`,
      );
      reply({ code: 'INTERNAL', message: 'the server could not check this message; try again' });
      return false;
    }
  }

  private async reauthorize(socket: EdgeSocket, principal: Principal): Promise<void> {
    const own = userChannel(principal.userId);
    for (const room of [...socket.rooms]) {
      if (room === socket.id || room === own) continue;
      const decision = await this.authorizer.authorize(principal, room);
      if (!decision.allowed) {
        await socket.leave(room);
        await this.presence.left(socket, room);
      }
    }
  }

  /**
   * The edge's room feed was cut (Redis away) and is back: deliveries published meanwhile never
   * reached its rooms. Closing each connection's transport makes its client reconnect and
   * resubscribe from the last offset it saw, which channel history fills. Not `disconnect()`:
   * after a server-side disconnect socket.io clients do not reconnect by themselves.
   */
  private resumeAll(): void {
    const sockets = [...this.connected().values()];
    this.logger.warn(
      `room feed restored after an interruption; closing ${sockets.length} connections so their clients resume from history`,
    );
    for (const socket of sockets) socket.conn.close();
  }

  private expire(socketId: string, expiredAt: number): void {
    const socket = this.connected().get(socketId);
    if (!socket) return;
    this.refusals.inc({ reason: 'session_expired' });
    const body: SessionExpired = {
      code: 'UNAUTHENTICATED',
      message: 'access token expired; reconnect with a new token, or send auth.refresh before exp',
      expiredAt,
    };
    socket.emit(SESSION_SERVER_EVENTS.expired, body);
    socket.disconnect(true);
  }

  private terminate(socket: EdgeSocket): void {
    this.refusals.inc({ reason: 'abuse_disconnect' });
    const body: SessionTerminated = { code: 'RATE_LIMITED', message: 'too many refused messages; disconnected' };
    socket.emit(SESSION_SERVER_EVENTS.terminated, body);
    socket.disconnect(true);
  }

  /**
   * Ends the session of a client that does not read: `session.terminated` (`SLOW_CONSUMER`) and
   * socket.io's disconnect packet are queued behind what it has not read yet, and the socket leaves
   * its rooms, so nothing more is queued for it. engine.io then closes the transport once that
   * backlog is written, or at the next missed heartbeat (`pingInterval` + `pingTimeout`), which frees it.
   */
  private dropSlowConsumer(socket: EdgeSocket, queuedBytes: number): void {
    if (socket.disconnected) return;
    const transport = socket.conn.transport.name;
    this.slowConsumers.inc({ transport });
    this.logger.warn({
      msg: 'slow consumer disconnected',
      socketId: socket.id,
      userId: socket.data.principal.userId,
      transport,
      queuedBytes,
      limitBytes: this.edgeLimits.maxOutboundBytes,
    });
    const body: SessionTerminated = {
      code: 'SLOW_CONSUMER',
      message: `more than ${this.edgeLimits.maxOutboundBytes} bytes waited for this connection to read; reconnect and subscribe with since`,
    };
    socket.emit(SESSION_SERVER_EVENTS.terminated, body);
    socket.disconnect(true);
  }

  /** Runs a handler so that it always resolves to an ack: a throw becomes `INTERNAL`, logged with its cause. */
  private async answer<T extends object>(
    socket: EdgeSocket,
    event: string,
    handler: () => Promise<Ack<T>>,
  ): Promise<Ack<T>> {
    try {
      return await handler();
    } catch (error) {
      this.logger.error(
        `${event} from socket ${socket.id} (user ${socket.data.principal.userId}) failed: ${describe(error)}`,
      );
      return ackError('INTERNAL', `${event} failed on the server; try again`);
    }
  }
}

/** Caps the message: a binary or huge payload can make zod list hundreds of keys, and the answer must stay small. */
function invalid(error: ZodError): Ack<never> {
  const message = describeZodError(error);
  return ackError(
    'INVALID',
    message.length > MAX_INVALID_MESSAGE ? `${message.slice(0, MAX_INVALID_MESSAGE)}…` : message,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function transportOf(socket: EdgeSocket): 'websocket' | 'polling' {
  return socket.conn.transport.name === 'polling' ? 'polling' : 'websocket';
}
