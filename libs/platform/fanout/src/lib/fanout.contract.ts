import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Delivery } from '@shopnest/contracts';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { waitFor } from '@shopnest/testing';
import { io, Socket as ClientSocket } from 'socket.io-client';
import { Fanout } from './fanout.port';

/** One fanout wired to listening socket.io servers, fresh for each test. */
export interface FanoutHarness {
  fanout: Fanout;
  /** Listening servers the fanout delivers to; each stands for one edge process. */
  servers: Server[];
  /** Closes the servers and everything else the factory opened; the suite closes the fanout first. */
  cleanup(): Promise<void>;
}

export interface FanoutCapabilities {
  /** Whether an emit reaches sockets on every server of the harness (needs at least two servers). */
  multiServer: boolean;
}

/** How long a socket outside the channel is watched for a stray event. */
const SILENCE_MS = 300;
const JOIN_EVENT = 'contract:join';

/**
 * The behaviour every {@link Fanout} adapter promises, checked over real socket.io servers and
 * socket.io-client connections: room targeting (across servers when `multiServer`), event name
 * and payload, per-channel order, volatile delivery, idempotent `close()`.
 *
 * @example
 * describeFanoutContract('LocalFanout', async () => {
 *   const io = await listeningServer();
 *   const fanout = new LocalFanout();
 *   fanout.attach(io);
 *   return { fanout, servers: [io], cleanup: () => io.close() };
 * }, { multiServer: false });
 */
export function describeFanoutContract(
  name: string,
  factory: () => Promise<FanoutHarness>,
  capabilities: FanoutCapabilities,
): void {
  describe(`Fanout contract: ${name}`, () => {
    let harness: FanoutHarness;
    let clients: ClientSocket[] = [];

    /** A client on `server` that joined `channel` and records every event it receives. */
    const joinedClient = async (server: Server, channel: string) => {
      const socket = io(`http://127.0.0.1:${portOf(server)}`, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      clients.push(socket);
      const received: { event: string; payload: Delivery }[] = [];
      socket.onAny((event: string, payload: Delivery) => received.push({ event, payload }));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      await socket.timeout(2_000).emitWithAck(JOIN_EVENT, channel);
      return received;
    };

    beforeEach(async () => {
      harness = await factory();
      for (const server of harness.servers) {
        server.on('connection', (socket) =>
          socket.on(JOIN_EVENT, async (channel: string, ack: () => void) => {
            await socket.join(channel);
            ack();
          }),
        );
      }
    });

    afterEach(async () => {
      for (const socket of clients) socket.disconnect();
      clients = [];
      await harness.fanout.close();
      await harness.cleanup();
    });

    it('delivers to every socket in the channel, named by event.type, with the delivery as payload', async () => {
      const [server] = harness.servers;
      const a = await joinedClient(server, 'order:1');
      const b = await joinedClient(server, 'order:1');
      const sent = delivery('order:1');

      await harness.fanout.emit(sent);

      await waitFor(() => a.length === 1 && b.length === 1);
      for (const received of [a, b]) expect(received).toEqual([{ event: sent.event.type, payload: sent }]);
    });

    (capabilities.multiServer ? it : it.skip)('delivers to sockets in the channel on every server', async () => {
      expect(harness.servers.length).toBeGreaterThanOrEqual(2);
      const perServer = await Promise.all(harness.servers.map((server) => joinedClient(server, 'order:2')));
      const sent = delivery('order:2');

      await harness.fanout.emit(sent);

      await waitFor(() => perServer.every((received) => received.length === 1));
      for (const received of perServer) expect(received[0].payload).toEqual(sent);
    });

    it('sends nothing to a socket outside the channel', async () => {
      const member = await joinedClient(harness.servers[0], 'order:3');
      const outsider = await joinedClient(harness.servers[harness.servers.length - 1], 'order:4');

      await harness.fanout.emit(delivery('order:3'));

      await waitFor(() => member.length === 1);
      await new Promise((resolve) => setTimeout(resolve, SILENCE_MS));
      expect(outsider).toEqual([]);
    });

    it('keeps the emit order of one channel (100 events)', async () => {
      const received = await joinedClient(harness.servers[harness.servers.length - 1], 'order:5');
      const sequences = Array.from({ length: 100 }, (_, i) => i);

      await Promise.all(sequences.map((sequence) => harness.fanout.emit(delivery('order:5', sequence))));

      await waitFor(() => received.length === sequences.length);
      expect(received.map((r) => r.payload.event.sequence)).toEqual(sequences);
    });

    it('delivers a volatile emit to a connected socket', async () => {
      const received = await joinedClient(harness.servers[0], 'order:6');
      const sent = delivery('order:6');

      await harness.fanout.emit(sent, { volatile: true });

      await waitFor(() => received.length === 1);
      expect(received[0].payload).toEqual(sent);
    });

    it('closes idempotently, and rejects emits afterwards', async () => {
      await harness.fanout.close();
      await harness.fanout.close();

      await expect(harness.fanout.emit(delivery('order:7'))).rejects.toThrow(/closed/);
    });
  });
}

function portOf(server: Server): number {
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string')
    throw new Error('fanout contract: server is not listening on a TCP port');
  return (address as AddressInfo).port;
}

function delivery(channel: string, sequence = 0): Delivery {
  return {
    channel,
    event: {
      specversion: '1.0',
      id: randomUUID(),
      type: 'contract.delivered',
      source: '/shopnest/contract-test',
      subject: channel,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      sequence,
      data: { sequence },
    },
  };
}
