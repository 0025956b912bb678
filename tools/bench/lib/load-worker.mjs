// @ts-check
// A load generator process: holds up to ~15k socket.io-client connections (WebSocket only),
// spread over loopback source addresses, and records what they receive. Driven over IPC by
// the coordinator; every wait is bounded by a deadline.
import { JwtService } from '@nestjs/jwt';
import { io } from 'socket.io-client';
import * as msgpackParser from 'socket.io-msgpack-parser';
import { now, Reservoir, sleep } from './stats.mjs';

const SAMPLE_LIMIT = 100_000;
const jwt = new JwtService();

/**
 * @typedef {{ index: number, user: string, channels: string[], socket: import('socket.io-client').Socket,
 *   offsets: Map<string, string>, subscribed: boolean, connects: number, resubscribedAt?: number, recovered?: boolean }} Client
 */
/** @type {Client[]} */
let clients = [];
/** @type {Map<string, string>} */
const tokens = new Map();
let stats = freshStats();
/** @type {Record<string, any>} */
let settings = {};

function freshStats() {
  return {
    received: 0,
    firstAt: 0,
    lastAt: 0,
    latency: new Reservoir(SAMPLE_LIMIT),
    /** seq -> latest receipt, for time to last recipient */
    lastBySeq: /** @type {Map<number, number>} */ (new Map()),
    /** [key, receivedAt, event time, event id] of real order events (no embedded time stamp) */
    orderEvents: /** @type {[string, number, number, string][]} */ ([]),
    /** [clientMessageId, receiving user, receivedAt, event id, event time] of support chat messages */
    chatMessages: /** @type {[string, string, number, string, number][]} */ ([]),
    /** [ticketId, typist, receiving user, receivedAt] of typing starts */
    typingReceived: /** @type {[string, string, string, number][]} */ ([]),
    /** [ticketId, typist, sentAt] of typing starts this process sent and the edge acked ok */
    typingSent: /** @type {[string, string, number][]} */ ([]),
    typingRefused: 0,
    presenceStates: 0,
    /** socket.io messages received and their WebSocket payload bytes (what the parser put on the wire) */
    messageFrames: 0,
    messageBytes: 0,
  };
}

/**
 * Counts an engine.io packet of a socket: a `message` is one socket.io packet; its WebSocket
 * payload is the engine.io type byte + the text (JSON parser), or the bytes alone (binary: MessagePack).
 * @param {{ type: string, data?: unknown }} packet
 */
function countPacket(packet) {
  if (packet.type !== 'message') return;
  const { data } = packet;
  stats.messageFrames++;
  if (typeof data === 'string') stats.messageBytes += 1 + Buffer.byteLength(data);
  else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) stats.messageBytes += data.byteLength;
}

const EVENT_LOG_LIMIT = 500_000;

/** Signs (and keeps) the tokens of `users` now, so that connecting them later signs nothing. @param {string[]} users */
function signTokens(users) {
  for (const user of users) tokenFor(user);
}

/** @param {string} user */
function tokenFor(user) {
  let token = tokens.get(user);
  if (!token) {
    token = jwt.sign(
      { sub: user, roles: settings.roles ?? ['customer'] },
      {
        secret: settings.secret,
        algorithm: 'HS256',
        issuer: settings.issuer,
        audience: settings.audience,
        expiresIn: 6 * 3600,
      },
    );
    tokens.set(user, token);
  }
  return token;
}

/** @param {Client} client @param {any} delivery @param {string} event */
function onDelivery(client, event, delivery) {
  const t = now();
  stats.received++;
  if (!stats.firstAt) stats.firstAt = t;
  stats.lastAt = t;
  if (typeof delivery?.offset === 'string' && typeof delivery.channel === 'string')
    client.offsets.set(delivery.channel, delivery.offset);
  const data = delivery?.event?.data;
  if (typeof data?.sentAt === 'number') {
    stats.latency.add(t - data.sentAt);
    if (typeof data.seq === 'number') stats.lastBySeq.set(data.seq, Math.max(stats.lastBySeq.get(data.seq) ?? 0, t));
  } else if (event === 'order.status_changed' && stats.orderEvents.length < EVENT_LOG_LIMIT) {
    stats.orderEvents.push([
      `${data?.orderId}|${data?.to}`,
      t,
      Date.parse(String(delivery?.event?.time)),
      String(delivery?.event?.id),
    ]);
  } else if (event === 'message.created' && stats.chatMessages.length < EVENT_LOG_LIMIT) {
    const envelope = delivery?.event;
    stats.chatMessages.push([
      String(data?.message?.clientMessageId),
      client.user,
      t,
      String(envelope?.id),
      Date.parse(String(envelope?.time)),
    ]);
  } else if (event === 'presence.state') {
    stats.presenceStates++;
  } else if (event === 'chat.typing' && delivery?.state === 'start' && stats.typingReceived.length < EVENT_LOG_LIMIT) {
    // Typing is not a delivery: its payload is the signal itself ({ ticketId, userId, state }).
    stats.typingReceived.push([String(delivery.ticketId), String(delivery.userId), client.user, t]);
  }
}

/**
 * Sends one `chat.typing` start per entry from the first client of that user, all at once; entries
 * of users this process does not hold are another process's.
 * @param {{ user: string, ticketId: string }[]} items
 */
async function typing(items) {
  /** @type {Map<string, Client>} */
  const byUser = new Map();
  for (const client of clients) if (!byUser.has(client.user)) byUser.set(client.user, client);
  await Promise.all(
    items.map(async ({ user, ticketId }) => {
      const socket = byUser.get(user)?.socket;
      if (!socket) return;
      if (!socket.connected) return void stats.typingRefused++;
      const sentAt = now();
      try {
        /** @type {any} */
        const ack = await socket
          .timeout(settings.ackTimeoutMs ?? 20_000)
          .emitWithAck('chat.typing', { ticketId, state: 'start' });
        if (ack?.ok && stats.typingSent.length < EVENT_LOG_LIMIT) stats.typingSent.push([ticketId, user, sentAt]);
        else if (!ack?.ok) stats.typingRefused++;
      } catch {
        stats.typingRefused++;
      }
    }),
  );
  return {};
}

/** Refusals that asking again will not cure (as the SDK's `PERMANENT_REFUSALS`). */
const PERMANENT_REFUSALS = new Set(['FORBIDDEN', 'INVALID', 'NOT_FOUND', 'UNAUTHENTICATED']);
/** Subscribe refusals by code ('TIMEOUT': no ack in time), counted across every attempt. */
let refusals = /** @type {Record<string, number>} */ ({});
/** How often a client asks again for one channel: bounded, as every loop here. */
const MAX_SUBSCRIBE_ATTEMPTS = 12;

/**
 * Subscribes to every channel of the client, with `since` when it has seen an offset there. A
 * refusal that asking again may cure (TIMEOUT, RATE_LIMITED, UNAVAILABLE, INTERNAL) is retried
 * after the SDK's backoff (full jitter from 500 ms, doubling, at least the refusal's
 * `retryAfterMs`), as libs/client does, while the socket stays connected; a reconnect starts over.
 * @param {Client} client
 * @returns {Promise<boolean>} whether every subscribe was acked ok
 */
async function subscribeAll(client) {
  const connection = client.connects;
  for (const channel of client.channels) {
    let done = false;
    for (let attempt = 0; !done && attempt < MAX_SUBSCRIBE_ATTEMPTS; attempt++) {
      if (!client.socket.connected || client.connects !== connection) return false;
      const since = client.offsets.get(channel);
      /** @type {string} */
      let code;
      let retryAfterMs = 0;
      try {
        /** @type {any} */
        const ack = await client.socket
          .timeout(settings.ackTimeoutMs ?? 20_000)
          .emitWithAck('subscribe', since ? { channel, since } : { channel });
        if (ack?.ok) {
          if (since && typeof ack.recovered === 'boolean') client.recovered = ack.recovered;
          done = true;
          break;
        }
        code = String(ack?.error?.code ?? 'INTERNAL');
        retryAfterMs = Number(ack?.error?.retryAfterMs) || 0;
      } catch {
        code = 'TIMEOUT';
      }
      refusals[code] = (refusals[code] ?? 0) + 1;
      if (PERMANENT_REFUSALS.has(code)) return false;
      await sleep(Math.max(Math.random() * Math.min(30_000, 500 * 2 ** attempt), retryAfterMs));
    }
    if (!done) return false;
  }
  return true;
}

/**
 * @param {{ urls: string[], from: number, users: string[], channels: string[][], bare: boolean,
 *   addresses: string[], concurrency: number, timeoutMs: number, reconnection: boolean, parser?: 'json' | 'msgpack' }} command
 */
async function connect(command) {
  // Tokens are signed before the clock starts (and before the CPU window, by Fleet.signTokens,
  // where it is measured): the rate measures the server, not HS256 signing.
  if (!command.bare) signTokens(command.users);
  const deadline = Date.now() + command.timeoutMs;
  const started = now();
  /** @type {number[]} */
  const connectMs = [];
  let failed = 0;
  /** @type {string[]} */
  const errors = [];
  let next = 0;
  const created = [];
  const lane = async () => {
    while (next < command.users.length && Date.now() < deadline) {
      const offset = next++;
      const index = command.from + offset;
      const user = command.users[offset];
      const t0 = now();
      const socket = io(command.urls[index % command.urls.length], {
        transports: ['websocket'],
        // Must equal the server's (the edge's SOCKET_IO_PARSER).
        ...(command.parser === 'msgpack' && { parser: msgpackParser }),
        forceNew: true,
        reconnection: command.reconnection,
        reconnectionAttempts: 50,
        timeout: 20_000,
        auth: command.bare ? { userId: user } : { token: tokenFor(user) },
        // @ts-expect-error passed through engine.io-client to ws: the loopback source address
        localAddress: command.addresses[index % command.addresses.length],
      });
      /** @type {Client} */
      const client = {
        index,
        user,
        channels: command.channels[offset] ?? [],
        socket,
        offsets: new Map(),
        subscribed: false,
        connects: 0,
      };
      clients.push(client);
      created.push(client);
      socket.onAny((event, delivery) => onDelivery(client, event, delivery));
      socket.io.on('open', () => socket.io.engine.on('packet', countPacket));
      const connected = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.max(1, Math.min(20_000, deadline - Date.now())));
        socket.once('connect', () => (clearTimeout(timer), resolve(true)));
        socket.once('connect_error', (error) => {
          if (errors.length < 5) errors.push(error.message);
          if (!command.reconnection) {
            clearTimeout(timer);
            resolve(false);
          }
        });
      });
      client.connects = connected ? 1 : 0;
      client.subscribed = connected && (await subscribeAll(client));
      if (client.subscribed) connectMs.push(now() - t0);
      else failed++;
      // After a restart of the server, reconnect by itself and resume every channel.
      socket.on('connect', () => {
        client.connects++;
        client.resubscribedAt = undefined;
        void subscribeAll(client).then((ok) => {
          if (ok) client.resubscribedAt = now();
        });
      });
      socket.on('disconnect', (reason) => {
        // A server-side disconnect (edge shutting down) does not trigger socket.io's auto-reconnect.
        if (command.reconnection && reason === 'io server disconnect')
          setTimeout(() => socket.connect(), 500 + Math.random() * 1000);
      });
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, lane));
  failed += command.users.length - created.length;
  return {
    started,
    finished: now(),
    ok: command.users.length - failed,
    failed,
    connectMs: sampleOf(connectMs),
    errors,
  };
}

/** @param {number[]} values */
function sampleOf(values) {
  const reservoir = new Reservoir(20_000);
  values.forEach((value) => reservoir.add(value));
  return reservoir.values;
}

function status() {
  let open = 0;
  let resubscribed = 0;
  let lastResubscribedAt = 0;
  let recovered = 0;
  let notRecovered = 0;
  for (const client of clients) {
    if (client.socket.connected) open++;
    if (client.resubscribedAt) {
      resubscribed++;
      lastResubscribedAt = Math.max(lastResubscribedAt, client.resubscribedAt);
    }
    if (client.recovered === true) recovered++;
    if (client.recovered === false) notRecovered++;
  }
  return { total: clients.length, open, resubscribed, lastResubscribedAt, recovered, notRecovered, refusals };
}

function report() {
  return {
    received: stats.received,
    firstAt: stats.firstAt,
    lastAt: stats.lastAt,
    latency: stats.latency.values,
    latencySeen: stats.latency.seen,
    lastBySeq: [...stats.lastBySeq.entries()],
    orderEvents: stats.orderEvents,
    chatMessages: stats.chatMessages,
    typingReceived: stats.typingReceived,
    typingSent: stats.typingSent,
    typingRefused: stats.typingRefused,
    presenceStates: stats.presenceStates,
    messageFrames: stats.messageFrames,
    messageBytes: stats.messageBytes,
  };
}

async function closeAll() {
  for (const client of clients) client.socket.close();
  clients = [];
  refusals = {};
  await sleep(200);
}

process.on('message', (/** @type {any} */ message) => {
  if (!message || message.probe || message.id === undefined) return;
  const reply = (/** @type {Record<string, unknown>} */ body) => process.send?.({ id: message.id, ...body });
  const handle = async () => {
    switch (message.cmd) {
      case 'configure':
        settings = message.settings;
        return {};
      case 'connect':
        return connect(message);
      case 'sign':
        signTokens(message.users);
        return {};
      case 'status':
        return status();
      case 'typing':
        return typing(message.items);
      case 'count':
        return { received: stats.received };
      case 'report': {
        const out = report();
        if (message.reset) stats = freshStats();
        return out;
      }
      case 'reset':
        stats = freshStats();
        return {};
      case 'close':
        await closeAll();
        return {};
      default:
        throw new Error(`unknown command ${message.cmd}`);
    }
  };
  handle().then(reply, (error) => reply({ error: error instanceof Error ? error.message : String(error) }));
});

process.once('SIGTERM', () => {
  for (const client of clients) client.socket.close();
  process.exit(0);
});
// The probe unrefs the IPC channel (servers must exit on SIGTERM); this process lives for its commands.
process.channel?.ref();
process.send?.({ type: 'ready' });
