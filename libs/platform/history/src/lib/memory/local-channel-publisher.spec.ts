import { LocalFanout } from '@shopnest/platform-fanout';
import { testEnvelope } from '@shopnest/testing';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { describeChannelPublisherContract } from '../channel-publisher.contract';
import { InMemoryHistory } from './in-memory-history';
import { LocalChannelPublisher } from './local-channel-publisher';

describeChannelPublisherContract('LocalChannelPublisher → this process’s socket.io server', async () => {
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const server = new Server(httpServer);
  const fanout = new LocalFanout();
  fanout.attach(server);
  const history = new InMemoryHistory();
  // One process has one publisher: the worker's.
  return {
    publishers: [new LocalChannelPublisher(history, fanout)],
    history,
    servers: [server],
    cleanup: () => server.close(),
  };
});

describe('LocalChannelPublisher', () => {
  it('withdraws the append and its snapshot when its push fails, so a retry appends, reduces and pushes afresh', async () => {
    const history = new InMemoryHistory();
    const fanout = new LocalFanout(); // never attached: every emit rejects
    const publisher = new LocalChannelPublisher(history, fanout);
    const event = testEnvelope('o-1', 1);

    const counted = (previous: { count: number } | null) => ({ count: (previous?.count ?? 0) + 1 });

    await expect(publisher.publish('order:1', event, { snapshot: counted })).rejects.toThrow(/no socket.io server/);
    expect(await history.readSince('order:1')).toEqual({ events: [], recovered: true });
    expect(await history.snapshot('order:1')).toBeNull();

    const server = new Server(); // not listening: nothing to close
    fanout.attach(server);
    const { offset } = await publisher.publish('order:1', event, { snapshot: counted });
    expect((await history.readSince('order:1')).events).toHaveLength(1);
    expect(await history.snapshot('order:1')).toEqual({ offset, state: { count: 1 } });
  });
});
