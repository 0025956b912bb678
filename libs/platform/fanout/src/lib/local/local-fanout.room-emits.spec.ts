import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { describeRoomEmitSourceContract } from '../room-emit-source.contract';
import { LocalFanout } from './local-fanout';

describeRoomEmitSourceContract('LocalFanout → this process’s socket.io server', async () => {
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const server = new Server(httpServer);
  const fanout = new LocalFanout();
  fanout.attach(server);
  return { fanout, server, source: fanout, cleanup: () => server.close() };
});
