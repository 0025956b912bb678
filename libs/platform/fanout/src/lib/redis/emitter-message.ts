import { Emitter } from '@socket.io/redis-emitter';

/** A Redis PUBLISH that reaches the sockets of one room on every edge (the socket.io Redis adapter protocol). */
export interface EmitterMessage {
  channel: string;
  message: Buffer;
}

/**
 * The PUBLISH `@socket.io/redis-emitter` sends for `emitter.to(room).emit(eventName, payload)`
 * (with `.volatile` when asked), returned instead of sent, so a caller can send it on its own
 * terms: awaited, or inside a Redis script beside the history append. The emitter encodes it
 * (msgpack of `[uid, packet, opts]` on `<key>#/#<room>#`), so the edges' `@socket.io/redis-adapter`
 * reads it as its own. The emitter publishes synchronously inside `emit()`; should a release stop
 * doing so, this throws (and the fanout and publisher contract suites fail) instead of losing pushes.
 *
 * @example
 * const { channel, message } = emitterMessage('socket.io', 'order:42', 'order.status_changed', delivery);
 * await redis.publish(channel, message);
 */
export function emitterMessage(key: string, room: string, eventName: string, payload: unknown, volatile = false): EmitterMessage {
  let captured: EmitterMessage | undefined;
  const capture = {
    publish(channel: string, message: Buffer) {
      captured = { channel, message };
    },
  };
  const to = new Emitter(capture, { key }).to(room);
  (volatile ? to.volatile : to).emit(eventName, payload);
  if (!captured) throw new Error('@socket.io/redis-emitter did not publish synchronously in emit(); emitterMessage needs updating');
  return captured;
}
