import { SOCKET_PATH } from '@shopnest/contracts';
import { io } from 'socket.io-client';
import * as msgpackParser from 'socket.io-msgpack-parser';

/** The `Error` socket.io gives to `connect_error`; `data` is the server's refusal body, if any. */
export type ConnectError = Error & { data?: unknown };

/** Callbacks the client installs on its socket, once. */
export interface ClientSocketHandlers {
  connect(): void;
  disconnect(reason: string): void;
  connectError(error: ConnectError): void;
  /** Every server → client event (name and arguments), in arrival order. */
  event(name: string, args: unknown[]): void;
}

/**
 * The slice of a socket.io-client socket the SDK uses. Never emits while disconnected (socket.io
 * would buffer it and send it after the next connect, on top of the SDK's own resubscribe).
 */
export interface ClientSocket {
  readonly connected: boolean;
  listen(handlers: ClientSocketHandlers): void;
  /** Opens the connection; the handshake reads `auth()` at that moment. */
  connect(): void;
  disconnect(): void;
  /** Emits with an ack; rejects on timeout or when the connection drops first. */
  emitWithAck(event: string, payload: unknown, timeoutMs: number): Promise<unknown>;
}

/** The edge serves these two (see `SOCKET_TRANSPORTS`); it does not serve WebTransport. */
export type ClientTransport = 'websocket' | 'polling';

/**
 * The packet encoding, which must equal the edge's `SOCKET_IO_PARSER`: `json` (socket.io's default)
 * or `msgpack` (`socket.io-msgpack-parser`, binary frames).
 */
export type ClientParser = 'json' | 'msgpack';

export interface ClientSocketSetup {
  url: string;
  transports?: ClientTransport[];
  parser?: ClientParser;
  connectTimeoutMs: number;
  /** Read on every handshake, so each (re)connect presents the newest token. */
  auth: () => Record<string, unknown>;
}

export type ClientSocketFactory = (setup: ClientSocketSetup) => ClientSocket;

/** The real thing: socket.io-client with its own reconnection off (the SDK does its own). */
export const socketIoClientSocket: ClientSocketFactory = (setup) => {
  const socket = io(setup.url, {
    path: SOCKET_PATH,
    autoConnect: false,
    reconnection: false,
    // Each client owns its connection: a shared (multiplexed) one would mix tokens and lifecycles.
    forceNew: true,
    timeout: setup.connectTimeoutMs,
    transports: setup.transports ?? ['websocket', 'polling'],
    // socket.io-client otherwise gives up when the first transport fails instead of falling back.
    tryAllTransports: true,
    auth: (send) => send(setup.auth()),
    ...(setup.parser === 'msgpack' && { parser: msgpackParser }),
  });
  return {
    get connected() {
      return socket.connected;
    },
    listen(handlers) {
      socket.on('connect', () => handlers.connect());
      socket.on('disconnect', (reason) => handlers.disconnect(reason));
      socket.on('connect_error', (error) => handlers.connectError(error));
      socket.onAny((name: string, ...args: unknown[]) => handlers.event(name, args));
    },
    connect() {
      socket.connect();
    },
    disconnect() {
      socket.disconnect();
    },
    emitWithAck(event, payload, timeoutMs) {
      return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<unknown>;
    },
  };
};
