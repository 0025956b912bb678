// @ts-check
import { startChild } from './processes.mjs';
import { percentiles, round } from './stats.mjs';

/** Loopback source addresses per connect batch: each adds a full ephemeral port range. */
const ADDRESSES_PER_BATCH = 8;
/** Where the next batch's addresses start: 127.0.<block>.2–9, a block per batch, from a random one per run. */
let nextBlock = 1 + Math.floor(Math.random() * 250);

/**
 * Source addresses no earlier batch of this run used. A client that binds its source address
 * makes the kernel search that address's ports for a free one, and ports still in TIME_WAIT
 * (60 s after the clients of the previous server closed them) lengthen the search: on shared
 * addresses, the second server measured paid up to ~5 ms of the load's CPU per connect.
 */
function freshAddresses() {
  const block = nextBlock;
  nextBlock = (nextBlock % 250) + 1;
  return Array.from({ length: ADDRESSES_PER_BATCH }, (_, i) => `127.0.${block}.${i + 2}`);
}
/** Sockets per load process, under the ~20,000 open files a process may have here. */
export const SOCKETS_PER_WORKER = 15_000;

/**
 * The coordinator's handle on the load generator processes.
 */
export class Fleet {
  /** @param {Awaited<ReturnType<typeof startChild>>[]} workers */
  constructor(workers) {
    this.workers = workers;
  }

  /**
   * @param {number} sockets how many sockets it must hold at most
   * @param {{ secret?: string, issuer?: string, audience?: string, roles?: string[] }} settings
   * @param {string} [name] names the processes `<name>-1`, `<name>-2`, …: several fleets of one run need their own
   */
  static async start(sockets, settings, name = 'load') {
    const count = Math.max(1, Math.ceil(sockets / SOCKETS_PER_WORKER));
    const workers = await Promise.all(
      Array.from({ length: count }, (_, i) => startChild(`${name}-${i + 1}`, 'load-worker.mjs')),
    );
    await Promise.all(workers.map((worker) => worker.request({ cmd: 'configure', settings })));
    return new Fleet(workers);
  }

  /**
   * Signs the tokens of `users` in the workers that will connect them (as {@link connect} splits
   * them), so that a measured connect's CPU window holds no HS256 signing: about half a millisecond
   * of the load's CPU per client, which the bare clients (no token) do not pay.
   * @param {string[]} users
   */
  async signTokens(users) {
    await Promise.all(
      this.workers.map((worker, w) => worker.request({ cmd: 'sign', users: this.share(users, w).users }, 120_000)),
    );
  }

  /**
   * Worker `w`'s share of a batch, and where it starts: contiguous slices of equal size, so that
   * {@link signTokens} and {@link connect} give each user to the same worker.
   * @template T
   * @param {T[]} items
   * @param {number} w
   */
  share(items, w) {
    const per = Math.ceil(items.length / this.workers.length);
    return { from: w * per, users: items.slice(w * per, w * per + per) };
  }

  /**
   * Connects one client per entry of `users` (a user id each; repeat an id for several tabs),
   * each subscribing to its `channels[i]`, spread evenly over the workers.
   * @param {{ url: string | string[], users: string[], channels: string[][], bare: boolean, reconnection?: boolean,
   *   concurrencyPerWorker?: number, timeoutMs?: number, parser?: 'json' | 'msgpack' }} options
   */
  async connect(options) {
    const urls = Array.isArray(options.url) ? options.url : [options.url];
    const addresses = freshAddresses();
    const replies = await Promise.all(
      this.workers.map((worker, w) => {
        const { from, users } = this.share(options.users, w);
        return worker.request(
          {
            cmd: 'connect',
            // With several servers (edges), client i goes to urls[i % urls.length].
            urls,
            from,
            users,
            channels: this.share(options.channels, w).users,
            bare: options.bare,
            addresses,
            concurrency: options.concurrencyPerWorker ?? 100,
            timeoutMs: options.timeoutMs ?? 120_000,
            reconnection: options.reconnection ?? false,
            parser: options.parser ?? 'json',
          },
          (options.timeoutMs ?? 120_000) + 30_000,
        );
      }),
    );
    const started = Math.min(...replies.map((r) => r.started));
    const finished = Math.max(...replies.map((r) => r.finished));
    const ok = replies.reduce((sum, r) => sum + r.ok, 0);
    return {
      ok,
      failed: replies.reduce((sum, r) => sum + r.failed, 0),
      seconds: round((finished - started) / 1000, 3),
      perSecond: round(ok / ((finished - started) / 1000), 0),
      connectMs: percentiles(replies.flatMap((r) => r.connectMs)),
      errors: replies.flatMap((r) => r.errors).slice(0, 5),
    };
  }

  async status() {
    const replies = await Promise.all(this.workers.map((worker) => worker.request({ cmd: 'status' })));
    return {
      total: replies.reduce((s, r) => s + r.total, 0),
      open: replies.reduce((s, r) => s + r.open, 0),
      resubscribed: replies.reduce((s, r) => s + r.resubscribed, 0),
      lastResubscribedAt: Math.max(...replies.map((r) => r.lastResubscribedAt)),
      recovered: replies.reduce((s, r) => s + r.recovered, 0),
      notRecovered: replies.reduce((s, r) => s + r.notRecovered, 0),
      /** subscribe refusals by code over every attempt ('TIMEOUT': no ack in time); retried ones included */
      refusals: replies.reduce((sum, r) => {
        for (const [code, count] of Object.entries(r.refusals ?? {})) sum[code] = (sum[code] ?? 0) + count;
        return sum;
      }, /** @type {Record<string, number>} */ ({})),
    };
  }

  /** What the clients received since the last reset, merged over the workers. */
  async report(reset = true) {
    const replies = await Promise.all(this.workers.map((worker) => worker.request({ cmd: 'report', reset }, 60_000)));
    /** @type {Map<number, number>} */
    const lastBySeq = new Map();
    for (const reply of replies)
      for (const [seq, at] of reply.lastBySeq) lastBySeq.set(seq, Math.max(lastBySeq.get(seq) ?? 0, at));
    const firsts = replies.map((r) => r.firstAt).filter((t) => t > 0);
    return {
      received: replies.reduce((s, r) => s + r.received, 0),
      firstAt: firsts.length ? Math.min(...firsts) : 0,
      lastAt: Math.max(0, ...replies.map((r) => r.lastAt)),
      latency: /** @type {number[]} */ (replies.flatMap((r) => r.latency)),
      lastBySeq,
      /** @type {[string, number, number, string][]} [key, receivedAt, event time, event id] */
      orderEvents: replies.flatMap((r) => r.orderEvents),
      /** @type {[string, string, number, string, number][]} [clientMessageId, receiving user, receivedAt, event id, event time] */
      chatMessages: replies.flatMap((r) => r.chatMessages),
      /** @type {[string, string, string, number][]} [ticketId, typist, receiving user, receivedAt] */
      typingReceived: replies.flatMap((r) => r.typingReceived),
      /** @type {[string, string, number][]} [ticketId, typist, sentAt] */
      typingSent: replies.flatMap((r) => r.typingSent),
      typingRefused: replies.reduce((s, r) => s + r.typingRefused, 0),
      /** `presence.state` snapshots received (one per presence channel subscribed, where the edge has presence) */
      presenceStates: replies.reduce((s, r) => s + r.presenceStates, 0),
      /** socket.io messages received, and their WebSocket payload bytes */
      messageFrames: replies.reduce((s, r) => s + r.messageFrames, 0),
      messageBytes: replies.reduce((s, r) => s + r.messageBytes, 0),
    };
  }

  /**
   * Each user sends one `chat.typing` start in their ticket (from the process holding them).
   * @param {{ user: string, ticketId: string }[]} items
   */
  async typing(items) {
    await Promise.all(this.workers.map((worker) => worker.request({ cmd: 'typing', items }, 60_000)));
  }

  /** Deliveries received since the last reset (cheap enough to poll). */
  async received() {
    const replies = await Promise.all(this.workers.map((worker) => worker.request({ cmd: 'count' })));
    return replies.reduce((sum, reply) => sum + reply.received, 0);
  }

  async reset() {
    await Promise.all(this.workers.map((worker) => worker.request({ cmd: 'reset' })));
  }

  async close() {
    await Promise.all(this.workers.map((worker) => worker.request({ cmd: 'close' }, 60_000)));
  }

  async stop() {
    await Promise.all(this.workers.map((worker) => worker.stop(5_000)));
  }
}
