import { Injectable } from '@nestjs/common';
import { Delivery } from '@shopnest/contracts';
import { Namespace, Server } from 'socket.io';

/** A delivery on its way out: the socket.io event name (the event's `type`) and its payload. */
export interface Outgoing {
  name: string;
  delivery: Delivery;
}

export type DeliverySink = (outgoing: Outgoing) => void;

/** What the tap needs of a socket.io adapter (`socket.io-adapter` 2.5: in-memory and the Redis adapter). */
interface TappableAdapter {
  _encode(packet: unknown, packetOpts: unknown): unknown;
  apply(opts: BroadcastOptions, callback: (socket: { id: string }) => void): void;
  addAll(id: string, rooms: Set<string>): void;
  delAll(id: string): void;
}

interface BroadcastOptions {
  rooms: Set<string>;
  except?: Set<string>;
}

interface Packet {
  type?: number;
  data?: unknown;
}

/** socket.io's EVENT packet type. */
const EVENT = 2;

/**
 * Sees every delivery this edge's socket.io server hands to its rooms, whether it came from a
 * worker's Redis emitter, another edge, or this process; nothing else gives a per-socket hook.
 *
 * Why patch the adapter: in socket.io 4 a room broadcast goes adapter → `apply` → each socket's
 * engine, with no gateway code on the way, and the Redis adapter's receive path calls the base
 * class's `broadcast` directly, so wrapping `broadcast` misses it. Every path does call
 * `this._encode(packet)` and then, synchronously, `this.apply(opts, send)` on the adapter
 * instance. The tap wraps those two instance methods: `_encode` remembers the packet, `apply`
 * consumes it and wraps `send`. Lookups that call `apply` without `_encode` (fetchSockets,
 * addSockets, ...) pass through untouched. Checked against socket.io-adapter 2.5.x and
 * @socket.io/redis-adapter 8.3; `delivery-tap.spec.ts` fails if a new version changes the shape.
 *
 * Two uses:
 * - {@link divert}: while a socket replays a channel's history, that channel's deliveries to
 *   the socket go to a sink (buffered) instead of the wire;
 * - {@link listen}: an SSE stream, which has no socket, gets a channel's deliveries. The Redis
 *   adapter drops messages for rooms it has no member of, so the listener's channel gets a
 *   virtual member (an id with no socket, which `apply` skips).
 */
@Injectable()
export class DeliveryTap {
  private server?: Server;
  private readonly patched = new WeakSet<object>();
  /** socket id → channel → sinks diverting that channel's deliveries. */
  private readonly diversions = new Map<string, Map<string, Set<DeliverySink>>>();
  /** channel → SSE sinks. */
  private readonly listeners = new Map<string, Set<DeliverySink>>();
  private nextListenerId = 0;

  /** Called by the gateway once its server exists. */
  attach(server: Server): void {
    this.server = server;
    this.adapter();
  }

  get attached(): boolean {
    return this.server !== undefined;
  }

  /**
   * Until the returned function is called, deliveries of `channel` that this edge would write to
   * socket `socketId` go to `sink` instead. Register before joining the room, so none slips by.
   */
  divert(socketId: string, channel: string, sink: DeliverySink): () => void {
    this.adapter();
    let channels = this.diversions.get(socketId);
    if (!channels) this.diversions.set(socketId, (channels = new Map()));
    let sinks = channels.get(channel);
    if (!sinks) channels.set(channel, (sinks = new Set()));
    sinks.add(sink);
    return () => {
      sinks.delete(sink);
      if (sinks.size === 0) channels.delete(channel);
      if (channels.size === 0) this.diversions.delete(socketId);
    };
  }

  /** Calls `sink` with every delivery broadcast to `channel` until the returned function is called. */
  listen(channel: string, sink: DeliverySink): () => void {
    const adapter = this.adapter();
    const memberId = `tap:${++this.nextListenerId}`;
    let sinks = this.listeners.get(channel);
    if (!sinks) this.listeners.set(channel, (sinks = new Set()));
    sinks.add(sink);
    adapter.addAll(memberId, new Set([channel]));
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      adapter.delAll(memberId);
      sinks.delete(sink);
      if (sinks.size === 0) this.listeners.delete(channel);
    };
  }

  /** The main namespace's adapter, patched once (`server.adapter()` may have replaced it since attach). */
  private adapter(): TappableAdapter {
    if (!this.server) throw new Error('DeliveryTap: no socket.io server attached yet');
    const namespace: Namespace = this.server.of('/');
    const adapter = namespace.adapter as unknown as TappableAdapter;
    if (this.patched.has(adapter)) return adapter;
    if (typeof adapter._encode !== 'function' || typeof adapter.apply !== 'function') {
      throw new Error('DeliveryTap: this socket.io adapter has no _encode/apply; the replay seam cannot be guarded');
    }
    const encode = adapter._encode.bind(adapter);
    const apply = adapter.apply.bind(adapter);
    let pending: Packet | undefined;
    adapter._encode = (packet, packetOpts) => {
      pending = packet as Packet;
      return encode(packet, packetOpts);
    };
    adapter.apply = (opts, callback) => {
      const packet = pending;
      pending = undefined;
      const outgoing = packet ? toOutgoing(packet) : undefined;
      if (!outgoing || !opts.rooms?.has(outgoing.delivery.channel)) return apply(opts, callback);
      const channel = outgoing.delivery.channel;
      for (const sink of this.listeners.get(channel) ?? []) sink(outgoing);
      if (this.diversions.size === 0) return apply(opts, callback);
      return apply(opts, (socket) => {
        const sinks = this.diversions.get(socket.id)?.get(channel);
        if (!sinks || sinks.size === 0) return callback(socket);
        for (const sink of sinks) sink(outgoing);
      });
    };
    this.patched.add(adapter);
    return adapter;
  }
}

/** A delivery packet (`[type, { channel, event, offset? }]`), or `undefined` for anything else. */
function toOutgoing(packet: Packet): Outgoing | undefined {
  if (packet.type !== EVENT || !Array.isArray(packet.data) || packet.data.length !== 2) return undefined;
  const [name, payload] = packet.data as [unknown, unknown];
  if (typeof name !== 'string' || typeof payload !== 'object' || payload === null) return undefined;
  const { channel, event, offset } = payload as Partial<Delivery>;
  if (typeof channel !== 'string' || typeof event !== 'object' || event === null) return undefined;
  if (offset !== undefined && typeof offset !== 'string') return undefined;
  return { name, delivery: payload as Delivery };
}
