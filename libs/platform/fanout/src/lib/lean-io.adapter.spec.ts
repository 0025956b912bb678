import { EventEmitter } from 'node:events';
import { Observable, of } from 'rxjs';
import { Socket } from 'socket.io';
import { LeanIoAdapter } from './lean-io.adapter';

describe('LeanIoAdapter', () => {
  // Nest's own per-socket state: the disconnect stream it keeps for every socket it binds.
  const disconnectStreams = (adapter: LeanIoAdapter) =>
    (adapter as unknown as { disconnectMap: WeakMap<object, unknown> }).disconnectMap;

  it('keeps nothing for a socket of a gateway without message handlers', () => {
    const adapter = new LeanIoAdapter();
    const socket = new EventEmitter();
    adapter.bindMessageHandlers(socket as unknown as Socket, [], (data) => of(data));
    expect(disconnectStreams(adapter).has(socket)).toBe(false);
    expect(socket.eventNames()).toEqual([]);
  });

  it('binds message handlers as Nest does', async () => {
    const adapter = new LeanIoAdapter();
    const socket = new EventEmitter();
    const callback = (data: unknown) => of({ echoed: data });
    adapter.bindMessageHandlers(
      socket as unknown as Socket,
      [{ message: 'echo', callback, methodName: 'echo', isAckHandledManually: false }],
      (result) => result as Observable<unknown>,
    );
    const acked = new Promise((resolve) => socket.emit('echo', 'hi', resolve));
    await expect(acked).resolves.toEqual({ echoed: 'hi' });
    expect(disconnectStreams(adapter).has(socket)).toBe(true);
  });
});
