import { IncomingMessage } from 'node:http';
import * as msgpackParser from 'socket.io-msgpack-parser';
import { isOriginAllowed, SocketServerSettings, socketServerOptions } from './socket-server.options';

const settings: SocketServerSettings = {
  corsOrigins: null,
  transports: ['websocket', 'polling'],
  maxPayloadBytes: 65_536,
  pingIntervalMs: 25_000,
  pingTimeoutMs: 20_000,
};

describe('isOriginAllowed', () => {
  it.each([
    ['no Origin header (non-browser client)', undefined, null, true],
    ['same origin, no allowlist', 'http://edge.local:3000', null, true],
    ['another origin, no allowlist', 'https://evil.example', null, false],
    ['a listed origin', 'https://shop.example', ['https://shop.example'], true],
    ['an unlisted origin', 'https://evil.example', ['https://shop.example'], false],
    ['any origin with *', 'https://anything.example', '*', true],
    ['a malformed origin', 'not a url', null, false],
  ] as const)('%s → %s', (_, origin, allowed, expected) => {
    expect(isOriginAllowed(origin, 'edge.local:3000', allowed)).toBe(expected);
  });
});

describe('socketServerOptions', () => {
  it('maps the settings onto socket.io options', () => {
    expect(socketServerOptions({ ...settings, corsOrigins: ['https://shop.example'] })).toMatchObject({
      transports: ['websocket', 'polling'],
      maxHttpBufferSize: 65_536,
      pingInterval: 25_000,
      pingTimeout: 20_000,
      cors: { origin: ['https://shop.example'] },
    });
    expect(socketServerOptions(settings)).not.toHaveProperty('cors');
  });

  it("keeps socket.io's JSON parser by default and installs the MessagePack one for `msgpack`", () => {
    expect(socketServerOptions(settings)).not.toHaveProperty('parser');
    expect(socketServerOptions({ ...settings, parser: 'json' })).not.toHaveProperty('parser');
    const { parser } = socketServerOptions({ ...settings, parser: 'msgpack' });
    expect(parser).toMatchObject({ Encoder: msgpackParser.Encoder, Decoder: msgpackParser.Decoder });
    // Binary frames: the encoder hands engine.io one MessagePack buffer per packet.
    const [frame] = new parser.Encoder().encode({ type: 2, nsp: '/', data: ['order.status_changed', { a: 1 }] });
    expect(Buffer.isBuffer(frame) || frame instanceof Uint8Array).toBe(true);
  });

  it('refuses a foreign origin in allowRequest, which also guards the WebSocket upgrade', () => {
    const { allowRequest } = socketServerOptions(settings);
    const decide = (origin: string) =>
      new Promise((resolve) =>
        allowRequest?.({ headers: { origin, host: 'edge.local:3000' } } as IncomingMessage, (error, ok) =>
          resolve({ error, ok }),
        ),
      );
    return Promise.all([
      expect(decide('https://evil.example')).resolves.toEqual({ error: 'origin not allowed', ok: false }),
      expect(decide('http://edge.local:3000')).resolves.toEqual({ error: null, ok: true }),
    ]);
  });
});
