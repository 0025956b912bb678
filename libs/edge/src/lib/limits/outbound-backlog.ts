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

/**
 * Watches one connection's outbound backlog through engine.io's public connection events
 * (`packetCreate` for every packet queued, `drain` when the write buffer is handed to the
 * transport) and its transport's `writable`, covering WebSocket and long-polling alike. Calls
 * `onOverflow` once, on a microtask after the packet that crossed `limitBytes` is queued, so the
 * caller's own packets (the reason, the disconnect) come after it.
 *
 * @example
 * watchOutboundBacklog(socket.conn, 1_048_576, (bytes) => dropSlowConsumer(socket, bytes));
 */
export function watchOutboundBacklog(
  conn: EngineConnection,
  limitBytes: number,
  onOverflow: (queuedBytes: number) => void,
): void {
  const backlog = new OutboundBacklog(limitBytes);
  let tripped = false;
  conn.on('packetCreate', (packet: { data?: unknown }) => {
    if (tripped || !backlog.queued(packetSize(packet.data), conn.transport.writable)) return;
    tripped = true;
    const queuedBytes = backlog.bytes;
    queueMicrotask(() => onOverflow(queuedBytes));
  });
  conn.on('drain', () => backlog.flushed());
}

/** O(1): a string's length, a binary's byte length; control packets without data count as nothing. */
function packetSize(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}
