import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SOCKET_PATH, userChannel } from '@shopnest/contracts';
import { parseEnv } from '@shopnest/platform-config';
import { RedisEmitterFanout } from '@shopnest/platform-fanout';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { AddressInfo } from 'node:net';
import { io, Socket } from 'socket.io-client';
import * as msgpackParser from 'socket.io-msgpack-parser';
import { aliceEvent, redisEdgeEnv } from '../testing/edge.fixture';
import { connectionEdgeEnvSchema } from './connection-edge.config';
import { ConnectionEdgeModule } from './connection-edge.module';
import { useEdgeSocketAdapter } from './edge-socket-adapter';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('an edge with SOCKET_IO_PARSER=msgpack, on real Redis', () => {
  const run = runId();
  const user = `mp-${run}`;
  let app: INestApplication;
  let url: string;
  let fanout: RedisEmitterFanout;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const config = parseEnv(connectionEdgeEnvSchema, { ...redisEdgeEnv(run, REDIS_URL), SOCKET_IO_PARSER: 'msgpack' });
    app = await NestFactory.create(ConnectionEdgeModule.forRoot(config), { logger: false });
    await useEdgeSocketAdapter(app, config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    // What the notification-worker pushes through: the socket.io Redis emitter protocol.
    fanout = await RedisEmitterFanout.connect(REDIS_URL, { key: `it:${run}` });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await fanout?.close();
    await app?.close();
  });

  const open = (transport: 'websocket' | 'polling', parser?: typeof msgpackParser) => {
    const socket = io(url, {
      path: SOCKET_PATH,
      transports: [transport],
      reconnection: false,
      forceNew: true,
      auth: { token: signTestToken(user) },
      ...(parser && { parser }),
    });
    sockets.push(socket);
    return socket;
  };

  it.each(['websocket', 'polling'] as const)(
    'delivers what the workers emit through Redis to a MessagePack client over %s',
    async (transport) => {
      const socket = open(transport, msgpackParser);
      const received: unknown[] = [];
      socket.on('order.status_changed', (delivery: unknown) => received.push(delivery));
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      // The socket is in user:{sub} from its handshake on; the adapter's subscription is live (ping).
      const event = aliceEvent();
      await waitFor(
        async () => {
          await fanout.emit({ channel: userChannel(user), offset: '1-0', event });
          return received.length > 0;
        },
        5_000,
        200,
      );
      expect(received[0]).toEqual({ channel: userChannel(user), offset: '1-0', event });
    },
  );

  it('closes the connection of a client on the JSON parser before it connects', async () => {
    const socket = open('websocket');
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('disconnect', (reason) => resolve(`disconnect: ${reason}`));
      socket.once('connect_error', (error) => resolve(`connect_error: ${error.message}`));
    });
    expect(outcome).toBe('disconnect: transport close');
  });
});
