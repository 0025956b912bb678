import { describeFanoutContract } from '../fanout.contract';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { LocalFanout } from './local-fanout';

async function listeningServer(): Promise<Server> {
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return new Server(httpServer);
}

describeFanoutContract(
  'LocalFanout',
  async () => {
    const server = await listeningServer();
    const fanout = new LocalFanout();
    fanout.attach(server);
    // Server.close() also closes the HTTP server it is attached to.
    return { fanout, servers: [server], cleanup: () => server.close() };
  },
  { multiServer: false },
);

describe('LocalFanout before attach()', () => {
  it('rejects emits, saying to attach a server', async () => {
    const fanout = new LocalFanout();
    await expect(fanout.emit({ channel: 'order:1', event: {} as never })).rejects.toThrow(/attach\(server\)/);
  });
});
