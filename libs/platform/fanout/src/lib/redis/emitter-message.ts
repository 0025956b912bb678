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
export function emitterMessage(
  key: string,
  room: string,
  eventName: string,
  payload: unknown,
  volatile = false,
): EmitterMessage {
  const capturing = capturingEmitter(key);
  capturing.captured = undefined;
  const to = capturing.emitter.to(room);
  (volatile ? to.volatile : to).emit(eventName, payload);
  const { captured } = capturing;
  if (!captured)
    throw new Error('@socket.io/redis-emitter did not publish synchronously in emit(); emitterMessage needs updating');
  return captured;
}

interface CapturingEmitter {
  emitter: Emitter;
  captured?: EmitterMessage;
}

/** One emitter per key, built once: `emitterMessage` runs for every publish. */
const emitters = new Map<string, CapturingEmitter>();

function capturingEmitter(key: string): CapturingEmitter {
  let capturing = emitters.get(key);
  if (!capturing) {
    const slot: CapturingEmitter = { emitter: undefined as unknown as Emitter };
    slot.emitter = new Emitter(
      { publish: (channel: string, message: Buffer) => void (slot.captured = { channel, message }) },
      { key },
    );
    emitters.set(key, (capturing = slot));
  }
  return capturing;
}
