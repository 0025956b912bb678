import { Socket } from 'socket.io';

/**
 * Bytes waiting for one client to read, kept in O(1) per packet: what engine.io has queued but not
 * yet handed to its transport (the write buffer), plus the last batch it handed over, until the
 * transport is writable again (a WebSocket whose TCP window is full keeps it in `ws`/the socket;
 * a long-polling client that stopped polling never takes it).
 *
 * Sizes are the encoded packets' lengths: characters for text packets (bytes for ASCII JSON, at
 * most 3 bytes each in UTF-8), bytes for binary ones.
 *
 * @example
 * const backlog = new OutboundBacklog(1_048_576);
 * if (backlog.queued(packet.length, conn.transport.writable)) disconnect();
 * conn.on('drain', () => backlog.flushed());
 */
export class OutboundBacklog {
  /** Queued in engine.io's write buffer since the last flush. */
  private pending = 0;
  /** The batch handed to the transport at the last flush; written once the transport is writable again. */
  private inFlight = 0;

  constructor(readonly limitBytes: number) {}

  /** Bytes queued and not known to be written. */
  get bytes(): number {
    return this.pending + this.inFlight;
  }

  /**
   * A packet of `size` is being queued; `transportWritable` is the transport's state right now.
   * Returns true when the backlog is over the limit.
   */
  queued(size: number, transportWritable: boolean): boolean {
    this.pending += size;
    if (this.pending + this.inFlight <= this.limitBytes) return false;
    // A writable transport has finished the previous batch: only what waits now counts.
    if (transportWritable) this.inFlight = 0;
    return this.pending + this.inFlight > this.limitBytes;
  }

  /** engine.io handed its whole write buffer to the transport (its `drain` event). */
  flushed(): void {
    this.inFlight = this.pending;
    this.pending = 0;
  }
}

/** engine.io's connection under a socket.io socket (`socket.conn`). */
export type EngineConnection = Socket['conn'];

/** A watched connection's backlog, what it is reported as, and whether it was reported yet. */
interface Watched<T> {
  backlog: OutboundBacklog;
  subject: T;
  tripped: boolean;
}

/**
 * Watches connections' outbound backlogs through engine.io's public connection events
 * (`packetCreate` for every packet queued, `drain` when the write buffer is handed to the
 * transport) and its transport's `writable`, covering WebSocket and long-polling alike. Calls
 * `onOverflow` once per connection, on a microtask after the packet that crossed `limitBytes` is
 * queued, so the caller's own packets (the reason, the disconnect) come after it.
 *
 * Every connection shares the same two listener functions (an emitter calls its listeners with
 * itself as `this`); per connection there is only its entry in a WeakMap, which goes with it.
 *
 * @example
 * const backlogs = new OutboundBacklogWatch(1_048_576, (socket, bytes) => dropSlowConsumer(socket, bytes));
 * backlogs.watch(socket.conn, socket);
 */
export class OutboundBacklogWatch<T> {
  private readonly watched = new WeakMap<EngineConnection, Watched<T>>();
  private readonly onPacketCreate: (this: EngineConnection, packet: { data?: unknown }) => void;
  private readonly onDrain: (this: EngineConnection) => void;

  constructor(
    readonly limitBytes: number,
    onOverflow: (subject: T, queuedBytes: number) => void,
  ) {
    const watched = this.watched;
    this.onPacketCreate = function (packet) {
      const entry = watched.get(this);
      if (!entry || entry.tripped || !entry.backlog.queued(packetSize(packet.data), this.transport.writable)) return;
      entry.tripped = true;
      const queuedBytes = entry.backlog.bytes;
      queueMicrotask(() => onOverflow(entry.subject, queuedBytes));
    };
    this.onDrain = function () {
      watched.get(this)?.backlog.flushed();
    };
  }

  /** Watches `conn` from now on, for its whole life; `subject` is what `onOverflow` is given. */
  watch(conn: EngineConnection, subject: T): void {
    this.watched.set(conn, { backlog: new OutboundBacklog(this.limitBytes), subject, tripped: false });
    conn.on('packetCreate', this.onPacketCreate);
    conn.on('drain', this.onDrain);
  }
}

/** One connection's watch: {@link OutboundBacklogWatch} for a single connection (tests, one-offs). */
export function watchOutboundBacklog(
  conn: EngineConnection,
  limitBytes: number,
  onOverflow: (queuedBytes: number) => void,
): void {
  new OutboundBacklogWatch<undefined>(limitBytes, (_subject, queuedBytes) => onOverflow(queuedBytes)).watch(
    conn,
    undefined,
  );
}

/** O(1): a string's length, a binary's byte length; control packets without data count as nothing. */
function packetSize(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}
