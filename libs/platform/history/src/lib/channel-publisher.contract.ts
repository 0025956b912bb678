import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Delivery, Envelope } from '@shopnest/contracts';
import { waitFor } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, Socket } from 'socket.io-client';
import { ChannelHistory } from './channel-history.port';
import { ChannelPublisher } from './channel-publisher.port';
import { compareOffsets } from './offsets';

/** Publishers sharing one history and the listening socket.io servers ("edges") they reach. */
export interface ChannelPublisherHarness {
  /** One or more publishers (worker replicas) over the same history and edges. */
  publishers: ChannelPublisher[];
  /** Reads what the publishers appended. */
  history: ChannelHistory;
  servers: Server[];
  /** Closes the servers and everything else the factory opened; the suite closes the publishers first. */
  cleanup(): Promise<void>;
}

const JOIN = 'contract:join';

/**
 * The behaviour every {@link ChannelPublisher} promises, over real socket.io servers and clients:
 * append and push together with the same offset, on every edge; idempotent by id; live
 * deliveries of one channel in offset order with several publishers racing; volatile events;
 * snapshots written with the append, without lost updates; idempotent `close()`.
 *
 * @example
 * describeChannelPublisherContract('local', async () => ({ publishers: [publisher], history, servers: [io], cleanup }));
 */
export function describeChannelPublisherContract(name: string, factory: () => Promise<ChannelPublisherHarness>): void {
  describe(`ChannelPublisher contract: ${name}`, () => {
    let harness: ChannelPublisherHarness;
    let clients: Socket[] = [];

    const joined = async (server: Server, channel: string) => {
      const { port } = server.httpServer.address() as AddressInfo;
      const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      clients.push(socket);
      const received: { name: string; delivery: Delivery }[] = [];
      socket.onAny((name: string, delivery: Delivery) => received.push({ name, delivery }));
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      await socket.timeout(2_000).emitWithAck(JOIN, channel);
      return received;
    };

    beforeEach(async () => {
      harness = await factory();
      for (const server of harness.servers) {
        server.on('connection', (socket) =>
          socket.on(JOIN, async (channel: string, ack: () => void) => {
            await socket.join(channel);
            ack();
          }),
        );
      }
    });

    afterEach(async () => {
      for (const socket of clients) socket.disconnect();
      clients = [];
      await Promise.all(harness.publishers.map((publisher) => publisher.close()));
      await harness.cleanup();
    });

    it('appends the event and pushes it with the same offset to the channel on every edge, named by its type', async () => {
      const channel = `order:${randomUUID()}`;
      const perEdge = await Promise.all(harness.servers.map((server) => joined(server, channel)));
      const outsider = await joined(harness.servers[0] as Server, `order:${randomUUID()}`);
      const sent = event(1);

      const { offset, added } = await (harness.publishers[0] as ChannelPublisher).publish(channel, sent);

      expect(added).toBe(true);
      expect((await harness.history.readSince(channel)).events).toEqual([{ offset, event: sent }]);
      await waitFor(() => perEdge.every((received) => received.length === 1));
      for (const received of perEdge)
        expect(received).toEqual([{ name: sent.type, delivery: { channel, offset, event: sent } }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(outsider).toEqual([]);
    });

    it('publishes an id once: a repeat returns the first offset and pushes nothing', async () => {
      const channel = `order:${randomUUID()}`;
      const received = await joined(harness.servers[0] as Server, channel);
      const sent = event(1);
      const [publisher, other = publisher] = harness.publishers as [ChannelPublisher, ChannelPublisher?];

      const first = await publisher.publish(channel, sent);
      const again = await other.publish(channel, sent);

      expect(again).toEqual({ offset: first.offset, added: false });
      await waitFor(() => received.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toHaveLength(1);
      expect((await harness.history.readSince(channel)).events).toHaveLength(1);
    });

    it('delivers a channel live in offset order while every publisher races to publish to it (300 events)', async () => {
      const channel = `ops:${randomUUID()}`;
      const perEdge = await Promise.all(harness.servers.map((server) => joined(server, channel)));
      const events = Array.from({ length: 300 }, (_, i) => event(i));

      await Promise.all(
        events.map((e, i) =>
          (harness.publishers[i % harness.publishers.length] as ChannelPublisher).publish(channel, e),
        ),
      );

      await waitFor(() => perEdge.every((received) => received.length === events.length));
      const kept = (await harness.history.readSince(channel)).events.map((entry) => entry.offset);
      for (const received of perEdge) {
        const offsets = received.map((r) => r.delivery.offset as string);
        for (let i = 1; i < offsets.length; i++)
          expect(compareOffsets(offsets[i - 1] as string, offsets[i] as string)).toBeLessThan(0);
        // What a client sees live is exactly what a resume would replay, in the same order.
        expect(offsets).toEqual(kept);
      }
    });

    it('keeps a volatile event as the latest and pushes it without an offset, outside the history', async () => {
      const channel = `order:${randomUUID()}`;
      const received = await joined(harness.servers[0] as Server, channel);
      const position = event(7);

      await (harness.publishers[0] as ChannelPublisher).publishVolatile(channel, position);

      await waitFor(() => received.length === 1);
      expect(received[0]).toEqual({ name: position.type, delivery: { channel, event: position } });
      expect(await harness.history.latestVolatile(channel)).toEqual(position);
      expect((await harness.history.readSince(channel)).events).toEqual([]);
    });

    it('stores the reduced snapshot with the event’s offset, in the same step as the append', async () => {
      const channel = `order:${randomUUID()}`;
      const publisher = harness.publishers[0] as ChannelPublisher;
      expect(await harness.history.snapshot(channel)).toBeNull();

      const first = await publisher.publish(channel, event(1), { snapshot: counted });
      expect(await harness.history.snapshot(channel)).toEqual({ offset: first.offset, state: { count: 1 } });
      const second = await publisher.publish(channel, event(2), { snapshot: counted });
      expect(await harness.history.snapshot(channel)).toEqual({ offset: second.offset, state: { count: 2 } });
    });

    it('reduces nothing for a duplicate id, and leaves the snapshot alone without a reducer or when it gives null', async () => {
      const channel = `order:${randomUUID()}`;
      const [publisher, other = publisher] = harness.publishers as [ChannelPublisher, ChannelPublisher?];
      const sent = event(1);
      const first = await publisher.publish(channel, sent, { snapshot: counted });

      await other.publish(channel, sent, { snapshot: counted });
      await publisher.publish(channel, event(2));
      await publisher.publish(channel, event(3), { snapshot: () => null });

      expect(await harness.history.snapshot(channel)).toEqual({ offset: first.offset, state: { count: 1 } });
      expect((await harness.history.readSince(channel)).events).toHaveLength(3);
    });

    it('loses no snapshot update while every publisher publishes to the channel at once (3 × 40 events)', async () => {
      const channel = `order:${randomUUID()}`;
      // Each publisher in order, as a worker replica handles one partition; the replicas race each other.
      await Promise.all(
        harness.publishers.map(async (publisher) => {
          for (let i = 0; i < 40; i++) await publisher.publish(channel, event(i), { snapshot: counted });
        }),
      );

      const { events } = await harness.history.readSince(channel);
      expect(await harness.history.snapshot(channel)).toEqual({
        offset: events[events.length - 1]?.offset,
        state: { count: 40 * harness.publishers.length },
      });
    });

    it('updates the snapshot’s state from a volatile event and keeps its offset; writes none when there is none', async () => {
      const channel = `order:${randomUUID()}`;
      const publisher = harness.publishers[0] as ChannelPublisher;
      await publisher.publishVolatile(channel, event(1), { snapshot: counted });
      expect(await harness.history.snapshot(channel)).toBeNull();

      const { offset } = await publisher.publish(channel, event(2), { snapshot: counted });
      await publisher.publishVolatile(channel, event(3), { snapshot: counted });

      expect(await harness.history.snapshot(channel)).toEqual({ offset, state: { count: 2 } });
    });

    it('closes idempotently, and refuses to publish afterwards', async () => {
      const publisher = harness.publishers[0] as ChannelPublisher;
      await publisher.close();
      await publisher.close();
      await expect(publisher.publish(`order:${randomUUID()}`, event(1))).rejects.toThrow(/closed/);
    });
  });
}

/** A reducer that counts the events it saw: a lost or repeated update shows in the count. */
const counted = (previous: { count: number } | null) => ({ count: (previous?.count ?? 0) + 1 });

function event(sequence: number): Envelope {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: 'contract.published',
    source: '/shopnest/contract',
    subject: 'contract',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    sequence,
    data: { sequence, text: 'ünïcødé and "quotes"', nested: { empty: {}, list: [] } },
  };
}
