import { IncomingMessage } from 'node:http';
import { ServerOptions } from 'socket.io';
import * as msgpackParser from 'socket.io-msgpack-parser';

export type SocketTransport = 'websocket' | 'polling';

/**
 * How socket.io packets are encoded on the wire: `json` (socket.io's default text frames) or
 * `msgpack` (`socket.io-msgpack-parser`, binary frames). Clients must use the same one.
 */
export const SOCKET_PARSERS = ['json', 'msgpack'] as const;
export type SocketParser = (typeof SOCKET_PARSERS)[number];

export interface SocketServerSettings {
  /** Browser origins allowed to connect: a list, `'*'` for any, or `null` for same-origin only. */
  corsOrigins: readonly string[] | '*' | null;
  transports: readonly SocketTransport[];
  /** Largest message a client may send (socket.io's `maxHttpBufferSize`); bigger ones close the connection. */
  maxPayloadBytes: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** The packet encoding (default `json`); a client with the other one cannot connect (see docs/protocol.md). */
  parser?: SocketParser;
}

/**
 * Whether a request from `origin` may open a connection. Requests without an `Origin` header come
 * from non-browser clients, which no browser policy protects anyway.
 */
export function isOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: SocketServerSettings['corsOrigins'],
): boolean {
  if (origin === undefined || allowed === '*') return true;
  if (allowed !== null) return allowed.includes(origin);
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * The socket.io server options of an edge, for the IoAdapter the app installs.
 *
 * CORS headers alone only guard long-polling: browsers open WebSockets to any origin. So the
 * same allowlist is enforced on every engine.io request with `allowRequest`, which covers the
 * WebSocket upgrade too.
 *
 * @example
 * new RedisIoAdapter(app, { url, server: socketServerOptions({ corsOrigins: ['https://shop.example'], ... }) })
 */
export function socketServerOptions(settings: SocketServerSettings): Partial<ServerOptions> {
  const { corsOrigins } = settings;
  return {
    transports: [...settings.transports],
    maxHttpBufferSize: settings.maxPayloadBytes,
    pingInterval: settings.pingIntervalMs,
    pingTimeout: settings.pingTimeoutMs,
    // The parser encodes what the server sends, including what the Redis adapter receives from the
    // workers' emitter (that hop is msgpack-encoded by the adapter whatever the client parser is).
    ...(settings.parser === 'msgpack' && { parser: msgpackParser }),
    ...(corsOrigins !== null && { cors: { origin: corsOrigins === '*' ? '*' : [...corsOrigins] } }),
    allowRequest: (request: IncomingMessage, callback: (error: string | null, success: boolean) => void) => {
      const allowed = isOriginAllowed(request.headers.origin, request.headers.host, corsOrigins);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  };
}
