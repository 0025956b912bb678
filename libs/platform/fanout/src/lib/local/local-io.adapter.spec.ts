import { INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { testEnvelope } from '@shopnest/testing';
import { AddressInfo } from 'node:net';
import { io, Socket } from 'socket.io-client';
import { LocalFanout } from './local-fanout';
import { LocalIoAdapter } from './local-io.adapter';

@Module({})
class EmptyModule {}

describe('LocalIoAdapter', () => {
  let app: INestApplication;
  let client: Socket | undefined;

  beforeEach(async () => {
    app = (await Test.createTestingModule({ imports: [EmptyModule] }).compile()).createNestApplication({
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
  });

  afterEach(async () => {
    client?.close();
    await app.close();
  });

  it('attaches every server it creates to the fanout, so an in-process emit reaches that server’s rooms', async () => {
    const fanout = new LocalFanout();
    const server = new LocalIoAdapter(app, fanout, { transports: ['websocket'] }).createIOServer(0);
    server.on('connection', (socket) => void socket.join('order:1'));
    const { port } = app.getHttpServer().address() as AddressInfo;
    client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
    await new Promise<void>((resolve) => server.once('connection', () => setImmediate(resolve)));

    const received = new Promise((resolve) => client?.once('test.happened', resolve));
    const event = testEnvelope('o-1', 1);
    await fanout.emit({ channel: 'order:1', offset: '1-0', event });
    expect(await received).toEqual({ channel: 'order:1', offset: '1-0', event });
    await server.close();
  });
});
