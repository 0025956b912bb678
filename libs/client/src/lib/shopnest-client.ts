import {
  Ack,
  AuthRefreshAck,
  AuthRefreshRequest,
  CLIENT_EVENTS,
  Delivery,
  InboxCountsEvent,
  InboxItemEvent,
  OpsStatsEvent,
  ORDER_SNAPSHOT_EVENT,
  orderChannel,
  OrderEvent,
  OrderSnapshot,
  OrderSnapshotDelivery,
  PublishedNotification,
  OrderStatusNotification,
  PRESENCE_CLIENT_EVENTS,
  PRESENCE_SERVER_EVENTS,
  PresenceDiff,
  PresenceMember,
  PresenceState,
  PresenceStatus,
  PresenceStatusRequest,
  reduceOrderSnapshot,
  SESSION_CLIENT_EVENTS,
  SESSION_SERVER_EVENTS,
  SubscribeAck,
  SubscribeRequest,
  SUPPORT_AGENTS_CHANNEL,
  SupportEvent,
  TypingEvent,
  TypingRequest,
  UnsubscribeRequest,
} from '@shopnest/contracts';
import { BackoffPolicy, backoffProblems, DEFAULT_BACKOFF, fullJitterDelay } from './backoff';
import { describe, errorBodyOf, ShopNestClientError } from './client-error';
import {
  ClientSocket,
  ClientSocketFactory,
  ClientParser,
  ClientTransport,
  ConnectError,
  socketIoClientSocket,
} from './client-socket';
import { jwtExpiresAt } from './jwt-expiry';
import { isPresenceDiff, isPresenceState, isTypingEvent, PresenceRoster } from './presence-roster';
import { RecentIds } from './recent-ids';
import { TypedEmitter } from './typed-emitter';

/**
 * - `disconnected`: not connected and not trying (before `connect()`, after `close()`);
 * - `connecting`: the first connection is being made (retrying with backoff if it fails);
 * - `connected`: the socket is up and every subscription has been (re)sent;
 * - `reconnecting`: an established connection was lost; retrying with backoff;
 * - `error`: the client gave up (attempts or token refusals exhausted); `connect()` starts over.
 */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'error';

/**
/**
 * Every event the platform delivers on a channel: order events, the shopper's notifications (and
 * other services' `notification.published`), the inbox's `inbox.item` / `inbox.counts` on
 * `user:{id}` (docs/protocol.md, "Inbox"), support (ticket, message, read, unread) events and the
 * ops board's `ops.stats`. Narrow on `type` to get typed `data`.
 *
 * @example
 * client.subscribe(`user:${me}`, ({ event }) => {
 *   if (event.type === 'inbox.counts') setBadge(event.data.unread);
 * });
 */
export type ShopNestEvent =
  | OrderEvent
  | OrderStatusNotification
  | PublishedNotification
  | InboxItemEvent
  | InboxCountsEvent
  | SupportEvent
  | OpsStatsEvent;
export type ShopNestDelivery = Delivery<ShopNestEvent>;

export interface ShopNestClientOptions {
  /** The edge's base URL, e.g. `https://live.shopnest.example` (socket.io path `/socket.io`). */
  url: string;
  /**
   * Returns a current access token (JWT). Called before every connection attempt and ahead of
   * the token's expiry; it should return a fresh token when the old one is about to lapse.
   */
  tokenProvider: () => Promise<string> | string;
  /**
   * Transports in the order tried. Default `['websocket', 'polling']`: WebSocket first (no sticky
   * sessions needed behind a load balancer), long-polling only when a WebSocket cannot be opened.
   * `['websocket']` never polls; `['polling', 'websocket']` is socket.io's own default (poll, then upgrade).
   */
  transports?: ClientTransport[];
  /**
   * The packet encoding; it must equal the edge's `SOCKET_IO_PARSER` (a mismatch never connects:
   * the server cannot read the handshake packet). Default `'json'`.
   */
  parser?: ClientParser;
  /** Default: `{ initialDelayMs: 500, maxDelayMs: 30000 }`, unbounded attempts. */
  reconnect?: BackoffPolicy;
  /** Ask for a new token this long before the current one expires. Default 30000. */
  refreshBeforeExpiryMs?: number;
  /** Consecutive `UNAUTHENTICATED` refusals (each with a freshly fetched token) before giving up. Default 3. */
  maxAuthAttempts?: number;
  /** How many recent event ids are remembered to drop duplicates. Default 10000. */
  dedupeWindow?: number;
  /** Default 10000. */
  connectTimeoutMs?: number;
  /** How long to wait for the server's ack to a subscribe or refresh. Default 10000. */
  ackTimeoutMs?: number;
  /** Source of randomness in `[0, 1)` for the backoff jitter. Default `Math.random`. */
  random?: () => number;
}

export interface RetryInfo {
  /** 1 for the first retry after a failure or a lost connection. */
  attempt: number;
  delayMs: number;
  /** Why the previous attempt ended, or why the connection was lost (`TRANSPORT`, with socket.io's reason). */
  error: ShopNestClientError;
}

export interface ShopNestClientEvents extends Record<string, unknown[]> {
  /** The connection state changed; `error` is set when it changed to `error`. */
  state: [state: ConnectionState, error?: ShopNestClientError];
  /** A (re)connection attempt is scheduled. */
  retry: [info: RetryInfo];
  /**
   * The channel's history could not fill the gap since the last event seen (the server answered
   * `recovered: false`, or the client had no offset to resume from): refetch its state over REST.
   */
  gap: [channel: string];
  /** Something failed without ending the connection: a subscription refused, a token refresh, a listener. */
  error: [error: ShopNestClientError];
  /**
   * The members of a subscribed `ticket:{id}` or `support:agents`, after each (re)subscribe;
   * {@link ShopNestClient.members} keeps them up to date.
   */
  'presence.state': [state: PresenceState];
  /** Members joined (or changed status: joins are upserts by `userId`) or left a channel. */
  'presence.diff': [diff: PresenceDiff];
  /** Somebody else started or stopped typing in a subscribed ticket (the edge sends `stop` 8 s after a silent `start`). */
  'chat.typing': [event: TypingEvent];
}

/** Options of {@link ShopNestClient.typing}. */
export interface TypingOptions {
  /** Agents: typing an internal note, shown to agents only (needs a subscription to `ticket-internal:{id}`). */
  internal?: boolean;
}

/**
 * How often `typing(ticketId, 'start')` is actually sent while one keeps calling it: the edge
 * passes one start per 2 s on anyway, and each message counts against the connection's rate limit.
 */
const TYPING_RESEND_MS = 1_000;

export type DeliveryHandler = (delivery: ShopNestDelivery) => void;

export interface SubscribeOptions {
  /** Called, besides the client's `gap` event, when this channel has a gap to refetch. */
  onGap?: () => void;
  /** Called when the server refuses this subscription (e.g. `FORBIDDEN`). */
  onError?: (error: ShopNestClientError) => void;
}

/** The outcome of the first acknowledged subscribe of a channel. */
export type SubscribeResult = { ok: true; recovered?: boolean } | { ok: false; error: ShopNestClientError };

/** Removes the handler (and, with the channel's last handler, the subscription); `ready` settles at the first ack. */
export type Subscription = (() => void) & { readonly ready: Promise<SubscribeResult> };

interface Listener {
  onDelivery: DeliveryHandler;
  options: SubscribeOptions;
}

interface ChannelState {
  channel: string;
  listeners: Set<Listener>;
  /** The offset of the last delivery with one: where a resubscribe resumes. */
  lastOffset?: string;
  /** The server has acknowledged this channel at least once (in any session). */
  established: boolean;
  waiters: ((result: SubscribeResult) => void)[];
  /** Consecutive refusals that asking again may cure (INTERNAL, RATE_LIMITED, TIMEOUT, ...). */
  refusals: number;
  /** The pending resubscribe after such a refusal, on the same connection. */
  retryTimer?: ReturnType<typeof setTimeout>;
  /** Set by `followOrder`: the channel starts from the order's snapshot, and starts over from a new one after a gap. */
  snapshot?: {
    onSnapshot: (delivery: OrderSnapshotDelivery) => void;
    /** The next subscribe asks for a snapshot rather than resuming with `since`. */
    wanted: boolean;
  };
}

/** Refusals that will not change by asking again on the same terms. */
const PERMANENT_REFUSALS = new Set(['FORBIDDEN', 'INVALID', 'NOT_FOUND', 'UNAUTHENTICATED']);

/**
 * The ShopNest Live client: one socket.io connection to the edge, kept alive across network
 * loss and edge restarts, with subscriptions that resume where they left off.
 *
 * Guarantees, per channel: events reach handlers in arrival order, which is channel order; an
 * event id seen on the channel within the last `dedupeWindow` ids is dropped; after a reconnect
 * the channel is resubscribed from the last offset seen, and when the server cannot replay the
 * gap the client says so (`gap`).
 *
 * @example
 * const client = new ShopNestClient({ url: 'https://live.shopnest.example', tokenProvider: () => auth.accessToken() });
 * client.on('state', (state) => banner.show(state));
 * client.on('gap', (channel) => refetch(channel));
 * const unsubscribe = client.subscribe(orderChannel(orderId), ({ event }) => {
 *   if (event.type === 'order.status_changed') render(event.data.to);
 * });
 * await client.connect();
 */
export class ShopNestClient {
  private readonly emitter: TypedEmitter<ShopNestClientEvents>;
  private readonly socket: ClientSocket;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly refreshBeforeExpiryMs: number;
  private readonly maxAuthAttempts: number;
  private readonly ackTimeoutMs: number;
  private readonly seen: RecentIds;
  private readonly channels = new Map<string, ChannelState>();
  private readonly roster = new PresenceRoster();
  /** When `start` was last sent, by ticket and internal flag; cleared by `stop`. */
  private readonly typingSent = new Map<string, number>();
  /** The agent's chosen status, sent again whenever `support:agents` is (re)joined. */
  private presenceStatus?: PresenceStatus;

  private currentState: ConnectionState = 'disconnected';
  /** The app wants a connection: set by `connect()`, cleared by `close()` and by giving up. */
  private wanted = false;
  /** A connection was established since `connect()`: failures from now on are `reconnecting`. */
  private wasConnected = false;
  /** This connection completed its handshake (`onConnect`); a close before that is a failed attempt. */
  private established = false;
  private token = '';
  private tokenExpiresAt: number | undefined;
  /** Retries scheduled since the last successful connection. */
  private retries = 0;
  private authRefusals = 0;
  /** Bumped whenever the connection is made or lost, so late async results of an old one are ignored. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private connectWaiters: { resolve: () => void; reject: (error: ShopNestClientError) => void }[] = [];

  constructor(
    private readonly options: ShopNestClientOptions,
    createSocket: ClientSocketFactory = socketIoClientSocket,
  ) {
    this.backoff = options.reconnect ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 30_000;
    this.maxAuthAttempts = options.maxAuthAttempts ?? 3;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    const problems = [
      ...(typeof options.url === 'string' && options.url ? [] : ['url is required']),
      ...(typeof options.tokenProvider === 'function' ? [] : ['tokenProvider must be a function']),
      ...backoffProblems(this.backoff),
      ...(Number.isInteger(this.maxAuthAttempts) && this.maxAuthAttempts > 0
        ? []
        : ['maxAuthAttempts must be a positive integer']),
      ...(this.refreshBeforeExpiryMs >= 0 ? [] : ['refreshBeforeExpiryMs must be >= 0']),
      ...(options.parser === undefined || options.parser === 'json' || options.parser === 'msgpack'
        ? []
        : ["parser must be 'json' or 'msgpack'"]),
    ];
    if (problems.length) throw new ShopNestClientError('INVALID', `ShopNestClient options: ${problems.join('; ')}`);
    this.seen = new RecentIds(options.dedupeWindow ?? 10_000);
    this.emitter = new TypedEmitter<ShopNestClientEvents>((error, event) => {
      if (event === 'error') console.error('ShopNestClient error listener threw', error);
      else this.report(new ShopNestClientError('INTERNAL', `a ${String(event)} listener threw: ${describe(error)}`));
    });
    this.socket = createSocket({
      url: options.url,
      transports: options.transports,
      parser: options.parser,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      auth: () => ({ token: this.token }),
    });
    this.socket.listen({
      connect: () => this.onConnect(),
      disconnect: (reason) => this.onDisconnect(reason),
      connectError: (error) => this.onConnectError(error),
      event: (name, args) => this.onServerEvent(name, args),
    });
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /**
   * Listens to `state`, `retry`, `gap`, `error`, `presence.state`, `presence.diff` or `chat.typing`;
   * returns the function that stops listening.
   *
   * @example
   * client.on('chat.typing', ({ ticketId, userId, state }) => typingIndicator(ticketId, userId, state === 'start'));
   * client.on('presence.diff', ({ channel }) => renderMembers(client.members(channel)));
   */
  on<K extends keyof ShopNestClientEvents>(event: K, listener: (...args: ShopNestClientEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  /**
   * Starts connecting (and keeps reconnecting until `close()`). Resolves once connected; rejects
   * when the client gives up (state `error`) or is closed first.
   */
  connect(): Promise<void> {
    if (this.currentState === 'connected') return Promise.resolve();
    const connected = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (!this.wanted) {
      this.wanted = true;
      this.wasConnected = false;
      this.retries = 0;
      this.authRefusals = 0;
      this.setState('connecting');
      void this.attempt();
    }
    return connected;
  }

  /**
   * Disconnects and stops reconnecting. Subscriptions and their offsets are kept: a later
   * `connect()` resumes them.
   */
  close(): void {
    this.wanted = false;
    this.generation++;
    this.clearTimers();
    this.socket.disconnect();
    this.setState('disconnected');
    this.settleConnectWaiters(new ShopNestClientError('CLOSED', 'the client was closed'));
  }

  /**
   * Delivers the channel's events to `handler` until the returned function is called. While the
   * client is disconnected the subscription is remembered and sent on connect.
   *
   * @example
   * const stop = client.subscribe('order:42', ({ event }) => console.log(event.type), { onGap: refetchOrder });
   * await stop.ready; // the server has acknowledged it
   * stop();
   */
  subscribe(channel: string, handler: DeliveryHandler, options: SubscribeOptions = {}): Subscription {
    return this.listen(channel, handler, options);
  }

  /**
   * Follows an order's state with no REST call and no race: `onState` gets the order's snapshot
   * (the state `GET /orders/:id` returns, as of a channel offset), then the state after each event
   * that changes it (folded with `reduceOrderSnapshot` from `@shopnest/contracts`). After a
   * reconnect it resumes with `since`; when the gap cannot be replayed it starts again from a new
   * snapshot. When the order has no snapshot yet (no events in the channel's history), `onGap` and
   * the `gap` event fire: fetch the order over REST. It must be the order channel's first
   * subscription in this client (otherwise `ready` resolves with `CONFLICT`).
   *
   * @example
   * const stop = client.followOrder(orderId, (order) => render(order.status, order.position), { onGap: refetchOrder });
   * await stop.ready;
   */
  followOrder(orderId: string, onState: (state: OrderSnapshot) => void, options: SubscribeOptions = {}): Subscription {
    const channel = orderChannel(orderId);
    if (this.channels.has(channel)) {
      const error = new ShopNestClientError('CONFLICT', `followOrder: ${channel} is already subscribed`, channel);
      return Object.assign(() => undefined, { ready: Promise.resolve<SubscribeResult>({ ok: false, error }) });
    }
    let current: OrderSnapshot | null = null;
    const onSnapshot = (delivery: OrderSnapshotDelivery) => {
      current = delivery.state;
      onState(current);
    };
    return this.listen(
      channel,
      ({ event }) => {
        const next = reduceOrderSnapshot(current, event);
        if (next === current || next === null) return;
        current = next;
        onState(next);
      },
      options,
      { onSnapshot, wanted: true },
    );
  }

  private listen(
    channel: string,
    handler: DeliveryHandler,
    options: SubscribeOptions,
    snapshot?: ChannelState['snapshot'],
  ): Subscription {
    const listener: Listener = { onDelivery: handler, options };
    let state = this.channels.get(channel);
    const isNew = !state;
    if (!state) {
      state = { channel, listeners: new Set(), established: false, waiters: [], refusals: 0, snapshot };
      this.channels.set(channel, state);
    }
    state.listeners.add(listener);
    const subscribed = state;
    const ready = new Promise<SubscribeResult>((resolve) => {
      if (subscribed.established && !isNew) resolve({ ok: true });
      else subscribed.waiters.push(resolve);
    });
    if (isNew && this.socket.connected) void this.sendSubscribe(state);

    const unsubscribe = () => {
      subscribed.listeners.delete(listener);
      if (subscribed.listeners.size > 0 || this.channels.get(channel) !== subscribed) return;
      this.channels.delete(channel);
      this.roster.forget(channel);
      this.settle(subscribed, {
        ok: false,
        error: new ShopNestClientError('CLOSED', 'unsubscribed before the server answered', channel),
      });
      // Also when the subscribe is still in flight: leaving a room one is not in is a no-op on the edge.
      if (this.socket.connected) void this.sendUnsubscribe(channel);
    };
    return Object.assign(unsubscribe, { ready });
  }

  /**
   * Tells the ticket's other members that this user starts or stops typing. Call `start` on every
   * keystroke if convenient: repeats within a second are not sent, and the edge stops a silent
   * typist by itself after 8 s. Rejects with a {@link ShopNestClientError}: `TRANSPORT` when not
   * connected (typing is never queued), `FORBIDDEN` without a subscription to the ticket (or to
   * `ticket-internal:{id}` for `internal`), `INVALID`, `RATE_LIMITED`, `TIMEOUT`.
   *
   * @example
   * input.addEventListener('input', () => client.typing(ticketId, 'start').catch(() => undefined));
   * form.addEventListener('submit', () => client.typing(ticketId, 'stop').catch(() => undefined));
   * await client.typing(ticketId, 'start', { internal: true }); // agents, in an internal note
   */
  async typing(ticketId: string, state: 'start' | 'stop', options: TypingOptions = {}): Promise<void> {
    const internal = options.internal ?? false;
    const key = `${ticketId}\u0000${internal}`;
    const now = Date.now();
    if (state === 'start' && now - (this.typingSent.get(key) ?? -Infinity) < TYPING_RESEND_MS) return;
    if (state === 'start') this.typingSent.set(key, now);
    else this.typingSent.delete(key);
    const request: TypingRequest = { ticketId, state, ...(internal && { internal }) };
    try {
      await this.request(PRESENCE_CLIENT_EVENTS.typing, request);
    } catch (error) {
      // Not sent: the next start must go out.
      if (state === 'start') this.typingSent.delete(key);
      throw error;
    }
  }

  /**
   * Agents: sets their status on `support:agents` (the client must be subscribed to it), shown to
   * every agent there. The status is remembered and sent again after every reconnect. Rejects like
   * {@link typing}, with `FORBIDDEN` for a non-agent and `CONFLICT` without the subscription.
   *
   * @example
   * client.subscribe(SUPPORT_AGENTS_CHANNEL, () => undefined);
   * client.on('presence.diff', () => renderAgents(client.members(SUPPORT_AGENTS_CHANNEL)));
   * await client.setPresenceStatus('busy');
   */
  async setPresenceStatus(status: PresenceStatus): Promise<void> {
    this.presenceStatus = status;
    const request: PresenceStatusRequest = { status };
    await this.request(PRESENCE_CLIENT_EVENTS.status, request);
  }

  /**
   * The members of a subscribed `ticket:{id}` or `support:agents` as last described by the edge
   * (each user once, agents on `support:agents` with their status); empty until the first
   * `presence.state` and after a lost connection until the next one.
   */
  members(channel: string): PresenceMember[] {
    return this.roster.members(channel);
  }

  /** The last offset seen on a channel (what a resubscribe passes as `since`). */
  lastOffset(channel: string): string | undefined {
    return this.channels.get(channel)?.lastOffset;
  }

  private async attempt(): Promise<void> {
    const generation = ++this.generation;
    let token: string;
    try {
      token = await this.options.tokenProvider();
    } catch (error) {
      if (generation === this.generation && this.wanted)
        this.retryOrGiveUp(new ShopNestClientError('TOKEN', `the token provider failed: ${describe(error)}`));
      return;
    }
    if (generation !== this.generation || !this.wanted) return;
    if (typeof token !== 'string' || token.length === 0) {
      this.retryOrGiveUp(new ShopNestClientError('TOKEN', 'the token provider returned no token'));
      return;
    }
    this.token = token;
    this.socket.connect();
  }

  private onConnect(): void {
    if (!this.wanted) {
      this.socket.disconnect();
      return;
    }
    this.generation++;
    this.retries = 0;
    this.authRefusals = 0;
    this.wasConnected = true;
    this.established = true;
    this.scheduleRefresh(jwtExpiresAt(this.token));
    // Subscribe before announcing `connected`, so that events replayed ahead of the acks find their channel.
    for (const state of this.channels.values()) void this.sendSubscribe(state);
    this.setState('connected');
    this.settleConnectWaiters();
  }

  private onDisconnect(reason: string): void {
    this.generation++;
    this.clearRefreshTimer();
    this.roster.clear();
    this.typingSent.clear();
    if (!this.wanted) return;
    // Every reason but our own close() means the connection should come back: a transport loss,
    // an edge restart, or the edge ending the session (e.g. at token expiry) — with a fresh token.
    const established = this.established;
    this.established = false;
    this.setState(this.wasConnected ? 'reconnecting' : 'connecting');
    if (established) {
      this.scheduleRetry(new ShopNestClientError('TRANSPORT', `connection lost: ${reason}`));
      return;
    }
    // Closed before the handshake completed (e.g. the edge uses another `parser`): a failed
    // attempt like a refused one, so `maxAttempts` ends it.
    this.retryOrGiveUp(
      new ShopNestClientError(
        'TRANSPORT',
        `the connection closed before the handshake completed (${reason}); does the client's parser match the edge's?`,
      ),
    );
  }

  private onConnectError(error: ConnectError): void {
    if (!this.wanted) return;
    const body = errorBodyOf(error.data);
    if (body?.code === 'UNAUTHENTICATED') {
      this.authRefusals++;
      const refused = new ShopNestClientError('UNAUTHENTICATED', `the server refused the token: ${body.message}`);
      if (this.authRefusals >= this.maxAuthAttempts) this.giveUp(refused);
      else this.retryOrGiveUp(refused);
      return;
    }
    const failure = body
      ? new ShopNestClientError(body.code, body.message, undefined, body.retryAfterMs)
      : new ShopNestClientError('TRANSPORT', `could not connect to ${this.options.url}: ${error.message}`);
    this.retryOrGiveUp(failure);
  }

  private retryOrGiveUp(error: ShopNestClientError): void {
    if (this.backoff.maxAttempts !== undefined && this.retries >= this.backoff.maxAttempts) this.giveUp(error);
    else this.scheduleRetry(error);
  }

  private scheduleRetry(error: ShopNestClientError): void {
    this.clearRetryTimer();
    const jitter = fullJitterDelay(this.retries, this.backoff, this.random);
    // A rate-limited refusal says how long to stay away; coming back sooner would only be refused again.
    const delayMs = Math.max(jitter, error.retryAfterMs ?? 0);
    this.retries++;
    this.setState(this.wasConnected ? 'reconnecting' : 'connecting');
    this.emitter.emit('retry', { attempt: this.retries, delayMs, error });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.attempt();
    }, delayMs);
  }

  private giveUp(error: ShopNestClientError): void {
    this.wanted = false;
    this.generation++;
    this.clearTimers();
    this.socket.disconnect();
    this.setState('error', error);
    this.settleConnectWaiters(error);
  }

  private onServerEvent(name: string, args: unknown[]): void {
    const [payload] = args;
    if (name === SESSION_SERVER_EVENTS.draining) {
      this.onDraining(payload);
      return;
    }
    if (
      name === SESSION_SERVER_EVENTS.expired ||
      name === SESSION_SERVER_EVENTS.terminated ||
      name === SESSION_SERVER_EVENTS.protocolError
    ) {
      const body = errorBodyOf(payload);
      // The connection itself comes back on its own (the edge disconnects next; we reconnect with a fresh token).
      this.report(
        new ShopNestClientError(
          body?.code ?? 'INTERNAL',
          `${name}: ${body?.message ?? 'no details'}`,
          undefined,
          body?.retryAfterMs,
        ),
      );
      return;
    }
    if (this.onPresenceEvent(name, payload)) return;
    if (name === ORDER_SNAPSHOT_EVENT) {
      this.onSnapshot(payload);
      return;
    }
    if (!isDelivery(payload)) return;
    const state = this.channels.get(payload.channel);
    if (!state) return;
    // Offsets advance in arrival order even for a duplicate: a re-pushed event sits at a newer position.
    if (payload.offset !== undefined) state.lastOffset = payload.offset;
    // Keyed by channel too: one event legitimately reaches several channels (order, user, ops board).
    if (!this.seen.add(`${payload.channel}\u0000${payload.event.id}`)) return;
    for (const listener of [...state.listeners]) {
      try {
        listener.onDelivery(payload);
      } catch (error) {
        this.report(
          new ShopNestClientError(
            'INTERNAL',
            `a handler of ${payload.channel} threw: ${describe(error)}`,
            payload.channel,
          ),
        );
      }
    }
  }

  /** An `order.snapshot` for a channel that asked for one: the state, and the offset to resume from. */
  private onSnapshot(payload: unknown): void {
    if (!isSnapshotDelivery(payload)) return;
    const state = this.channels.get(payload.channel);
    if (!state?.snapshot) return;
    state.lastOffset = payload.offset;
    this.callSafely(state.snapshot.onSnapshot, payload);
  }

  /** Presence and typing events: true when `name` was one (handled, or dropped as malformed). */
  private onPresenceEvent(name: string, payload: unknown): boolean {
    switch (name) {
      case PRESENCE_SERVER_EVENTS.state:
        if (!isPresenceState(payload) || !this.channels.has(payload.channel)) return true;
        this.roster.replace(payload);
        this.emitter.emit('presence.state', payload);
        if (payload.channel === SUPPORT_AGENTS_CHANNEL && this.presenceStatus) this.restoreStatus(this.presenceStatus);
        return true;
      case PRESENCE_SERVER_EVENTS.diff:
        if (!isPresenceDiff(payload) || !this.channels.has(payload.channel)) return true;
        this.roster.apply(payload);
        this.emitter.emit('presence.diff', payload);
        return true;
      case PRESENCE_SERVER_EVENTS.typing:
        if (isTypingEvent(payload)) this.emitter.emit('chat.typing', payload);
        return true;
      default:
        return false;
    }
  }

  /** A new session joined `support:agents` as `online`: the agent's chosen status comes back. */
  private restoreStatus(status: PresenceStatus): void {
    const request: PresenceStatusRequest = { status };
    this.request(PRESENCE_CLIENT_EVENTS.status, request).catch((error: ShopNestClientError) => this.report(error));
  }

  /** Sends a request of the socket protocol and resolves on its `ok` ack; rejects with the refusal. */
  private async request(event: string, payload: object): Promise<void> {
    if (!this.socket.connected) throw new ShopNestClientError('TRANSPORT', `${event}: not connected`);
    let raw: unknown;
    try {
      raw = await this.socket.emitWithAck(event, payload, this.ackTimeoutMs);
    } catch (error) {
      throw new ShopNestClientError('TIMEOUT', `${event}: ${describe(error)}`);
    }
    if (!isAck(raw)) throw new ShopNestClientError('INTERNAL', `${event}: malformed ack`);
    const ack = raw as Ack;
    if (ack.ok) return;
    const body = errorBodyOf(ack.error);
    throw new ShopNestClientError(
      body?.code ?? 'INTERNAL',
      `${event}: ${body?.message ?? 'refused'}`,
      undefined,
      body?.retryAfterMs,
    );
  }

  private async sendSubscribe(state: ChannelState): Promise<void> {
    const generation = this.generation;
    const { channel } = state;
    // A followed order starts (and starts over after a gap) from its snapshot rather than resuming.
    const fromSnapshot = state.snapshot !== undefined && (state.snapshot.wanted || state.lastOffset === undefined);
    // Established in an earlier session but never given an offset: events of the outage cannot be named.
    const resumingBlind = !fromSnapshot && state.established && state.lastOffset === undefined;
    const request: SubscribeRequest = fromSnapshot
      ? { channel, snapshot: true }
      : state.lastOffset === undefined
        ? { channel }
        : { channel, since: state.lastOffset };
    let raw: unknown;
    try {
      raw = await this.socket.emitWithAck(CLIENT_EVENTS.subscribe, request, this.ackTimeoutMs);
    } catch (error) {
      // A drop mid-flight is not a failure: the next connection resubscribes.
      if (generation !== this.generation || this.channels.get(channel) !== state) return;
      this.refuse(
        state,
        new ShopNestClientError('TIMEOUT', `subscribe ${channel}: ${describe(error)}`, channel),
        false,
      );
      return;
    }
    if (generation !== this.generation || this.channels.get(channel) !== state) return;
    if (!isAck(raw)) {
      this.refuse(state, new ShopNestClientError('INTERNAL', `subscribe ${channel}: malformed ack`, channel), false);
      return;
    }
    const ack = raw as SubscribeAck;
    if (!ack.ok) {
      const body = errorBodyOf(ack.error);
      const error = new ShopNestClientError(
        body?.code ?? 'INTERNAL',
        `subscribe ${channel}: ${body?.message ?? 'refused'}`,
        channel,
        body?.retryAfterMs,
      );
      this.refuse(state, error, PERMANENT_REFUSALS.has(error.code));
      return;
    }
    state.established = true;
    state.refusals = 0;
    if (state.snapshot) {
      state.snapshot.wanted = false;
      // The gap of a resume is filled by a new snapshot instead of a REST refetch. Out of the room
      // first: every event seen until then is in the new snapshot, so none after it was seen (and
      // dropped as a duplicate by id).
      if (!fromSnapshot && ack.recovered === false) {
        state.snapshot.wanted = true;
        void this.sendUnsubscribe(channel).then(() => {
          if (generation === this.generation && this.channels.get(channel) === state) void this.sendSubscribe(state);
        });
        return;
      }
    }
    // Asked for a snapshot and the order has none: the app gets the state over REST.
    const noSnapshot = fromSnapshot && ack.snapshot === null;
    const recovered = noSnapshot ? false : (ack.recovered ?? (resumingBlind ? false : undefined));
    if (recovered === false) {
      this.emitter.emit('gap', channel);
      for (const listener of [...state.listeners]) this.callSafely(listener.options.onGap, channel);
    }
    this.settle(state, { ok: true, ...(recovered !== undefined && { recovered }) });
  }

  /**
   * A refused subscription: reported; dropped when asking again cannot help. Otherwise asked again
   * on the same connection after a backoff delay (full jitter, the reconnect policy's bounds, at
   * least the server's `retryAfterMs`), and again on every later connection.
   */
  private refuse(state: ChannelState, error: ShopNestClientError, permanent: boolean): void {
    if (permanent) this.channels.delete(state.channel);
    else this.scheduleResubscribe(state, error);
    this.report(error);
    for (const listener of [...state.listeners]) this.callSafely(listener.options.onError, error);
    this.settle(state, { ok: false, error });
  }

  private scheduleResubscribe(state: ChannelState, error: ShopNestClientError): void {
    if (this.backoff.maxAttempts !== undefined && state.refusals >= this.backoff.maxAttempts) return; // the next connection asks again
    const generation = this.generation;
    const delayMs = Math.max(fullJitterDelay(state.refusals, this.backoff, this.random), error.retryAfterMs ?? 0);
    state.refusals++;
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(() => {
      state.retryTimer = undefined;
      // Only on the connection that was refused: a new one resubscribes every channel anyway.
      if (generation === this.generation && this.socket.connected && this.channels.get(state.channel) === state)
        void this.sendSubscribe(state);
    }, delayMs);
  }

  private async sendUnsubscribe(channel: string): Promise<void> {
    const request: UnsubscribeRequest = { channel };
    try {
      await this.socket.emitWithAck(CLIENT_EVENTS.unsubscribe, request, this.ackTimeoutMs);
    } catch {
      // Nothing to do: the client already ignores the channel, and the room ends with the connection.
    }
  }

  private scheduleRefresh(expiresAt: number | undefined): void {
    this.clearRefreshTimer();
    this.tokenExpiresAt = expiresAt;
    if (expiresAt === undefined) return;
    this.startRefreshTimer(Math.max(0, expiresAt - Date.now() - this.refreshBeforeExpiryMs));
  }

  private startRefreshTimer(delayMs: number): void {
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, delayMs);
  }

  /**
   * Swaps the connection's token for a fresh one (`auth.refresh`). If it fails, the edge ends the
   * session at expiry and the client reconnects with a fresh token, so a failure is only reported.
   */
  private async refresh(): Promise<void> {
    const generation = this.generation;
    try {
      const token = await this.options.tokenProvider();
      if (generation !== this.generation || !this.socket.connected) return;
      const expiresAt = jwtExpiresAt(token);
      if (this.tokenExpiresAt !== undefined && expiresAt !== undefined && expiresAt <= this.tokenExpiresAt) {
        // The provider has nothing newer yet (e.g. it caches): ask again, while the old token lasts.
        const remaining = this.tokenExpiresAt - Date.now();
        if (remaining > 0) this.startRefreshTimer(Math.max(1_000, Math.floor(remaining / 2)));
        return;
      }
      const request: AuthRefreshRequest = { token };
      const raw = await this.socket.emitWithAck(SESSION_CLIENT_EVENTS.refresh, request, this.ackTimeoutMs);
      if (generation !== this.generation) return;
      if (!isAck(raw)) throw new ShopNestClientError('INTERNAL', 'malformed ack');
      const ack = raw as AuthRefreshAck;
      if (!ack.ok) {
        const body = errorBodyOf(ack.error);
        throw new ShopNestClientError(body?.code ?? 'INTERNAL', body?.message ?? 'refused');
      }
      this.token = token;
      // The server's word wins: `null` means the token never expires, so there is nothing to schedule.
      this.scheduleRefresh(
        ack.expiresAt === null ? undefined : typeof ack.expiresAt === 'number' ? ack.expiresAt * 1000 : expiresAt,
      );
    } catch (error) {
      if (generation !== this.generation) return;
      const code = error instanceof ShopNestClientError ? error.code : 'TOKEN';
      this.report(new ShopNestClientError(code, `token refresh failed: ${describe(error)}`));
    }
  }

  private setState(state: ConnectionState, error?: ShopNestClientError): void {
    if (state === this.currentState) return;
    this.currentState = state;
    if (error) this.emitter.emit('state', state, error);
    else this.emitter.emit('state', state);
  }

  private report(error: ShopNestClientError): void {
    if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', error);
  }

  private callSafely<A>(callback: ((arg: A) => void) | undefined, arg: A): void {
    if (!callback) return;
    try {
      callback(arg);
    } catch (error) {
      this.report(new ShopNestClientError('INTERNAL', `a subscription callback threw: ${describe(error)}`));
    }
  }

  private settle(state: ChannelState, result: SubscribeResult): void {
    const waiters = state.waiters;
    state.waiters = [];
    for (const resolve of waiters) resolve(result);
  }

  private settleConnectWaiters(error?: ShopNestClientError): void {
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private clearRetryTimer(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private clearRefreshTimer(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  /**
   * The edge is shutting down: leave at the moment it chose for this client (spread over its drain
   * window) and reconnect through the load balancer, which no longer sends anyone to that edge.
   * Subscriptions resume with `since`, as after any reconnect.
   */
  private onDraining(payload: unknown): void {
    const delay = (payload as { reconnectAfterMs?: unknown } | undefined)?.reconnectAfterMs;
    const reconnectAfterMs = typeof delay === 'number' && delay >= 0 ? Math.min(delay, 60_000) : 0;
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    const generation = this.generation;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      // Only the connection that was told to drain; a newer one (after a reconnect) stays.
      if (generation === this.generation && this.socket.connected) this.socket.disconnect();
    }, reconnectAfterMs);
  }

  private clearTimers(): void {
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.clearRetryTimer();
    this.clearRefreshTimer();
    for (const state of this.channels.values()) {
      clearTimeout(state.retryTimer);
      state.retryTimer = undefined;
    }
  }
}

function isAck(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

function isSnapshotDelivery(value: unknown): value is OrderSnapshotDelivery {
  if (typeof value !== 'object' || value === null) return false;
  const { channel, offset, state } = value as Record<string, unknown>;
  return typeof channel === 'string' && typeof offset === 'string' && typeof state === 'object' && state !== null;
}

function isDelivery(value: unknown): value is ShopNestDelivery {
  if (typeof value !== 'object' || value === null) return false;
  const { channel, offset, event } = value as Record<string, unknown>;
  return (
    typeof channel === 'string' &&
    (offset === undefined || typeof offset === 'string') &&
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { id?: unknown }).id === 'string' &&
    typeof (event as { type?: unknown }).type === 'string'
  );
}
