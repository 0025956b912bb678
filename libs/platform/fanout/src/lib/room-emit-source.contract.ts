import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Delivery } from '@shopnest/contracts';
import { waitFor } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Server, Socket as ServerSocket } from 'socket.io';
import { io, Socket } from 'socket.io-client';
import { Fanout } from './fanout.port';
import { RoomEmit, RoomEmitSource } from './room-emit-source';

/** A fanout, the listening socket.io server ("edge") it reaches, and that server's room emit source. */
export interface RoomEmitSourceHarness {
  fanout: Fanout;
  server: Server;
  source: RoomEmitSource;
  /** Closes the server and everything else the factory opened; the suite closes the fanout first. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every {@link RoomEmitSource} promises, with real socket.io servers and clients:
 * each room emit reported once, with room, name and payload, in order, with or without a socket
 * in the room; and the seam property: a socket joined synchronously inside the listener gets
 * every later emit through the room and none of the earlier ones.
 *
 * @example
 * describeRoomEmitSourceContract('LocalFanout', async () => ({ fanout, server, source: fanout, cleanup }));
 */
export function describeRoomEmitSourceContract(name: string, factory: () => Promise<RoomEmitSourceHarness>): void {
  describe(`RoomEmitSource contract: ${name}`, () => {
    let harness: RoomEmitSourceHarness;
    const clients: Socket[] = [];

    beforeEach(async () => {
      harness = await factory();
    });

    afterEach(async () => {
      for (const client of clients.splice(0)) client.disconnect();
      await harness.fanout.close();
      await harness.cleanup();
    });

    const delivery = (channel: string, sequence: number): Delivery => ({
      channel,
      offset: `${1_000 + sequence}-0`,
      event: {
        specversion: '1.0',
        id: randomUUID(),
        type: 'contract.emitted',
        source: '/shopnest/contract',
        subject: channel,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        sequence,
        data: { sequence },
      },
    });

    /** A connected client and its socket on the server, in no room yet. */
    const connected = async (): Promise<{ received: Delivery[]; socket: ServerSocket }> => {
      const arrived = new Promise<ServerSocket>((resolve) => harness.server.once('connection', resolve));
      const { port } = harness.server.httpServer.address() as AddressInfo;
      const client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      clients.push(client);
      const received: Delivery[] = [];
      client.onAny((_name: string, payload: Delivery) => received.push(payload));
      return { received, socket: await arrived };
    };

    it('reports each room emit once, in order, with room, name and payload, though no socket is in the room', async () => {
      const channel = `order:${randomUUID()}`;
      const seen: RoomEmit[] = [];
      const stop = harness.source.onRoomEmit((emit) => emit.room === channel && seen.push(emit));
      const sent = [1, 2, 3].map((sequence) => delivery(channel, sequence));

      for (const d of sent) await harness.fanout.emit(d);

      await waitFor(() => seen.length === 3);
      expect(seen).toEqual(sent.map((d) => ({ room: channel, name: d.event.type, payload: d })));
      stop();
      await harness.fanout.emit(delivery(channel, 4));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toHaveLength(3);
    });

    it('reports only the rooms a listener asks for', async () => {
      const [wanted, other] = [`order:${randomUUID()}`, `order:${randomUUID()}`];
      const seen: string[] = [];
      const stop = harness.source.onRoomEmit(
        (emit) => seen.push(emit.room),
        (room) => room === wanted,
      );

      await harness.fanout.emit(delivery(other, 1));
      await harness.fanout.emit(delivery(wanted, 2));

      await waitFor(() => seen.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop();
      expect(seen).toEqual([wanted]);
    });

    it('hands a socket joined inside the listener every later emit through the room, and none before', async () => {
      const channel = `order:${randomUUID()}`;
      const { received, socket } = await connected();
      const beforeJoin: number[] = [];
      const stop = harness.source.onRoomEmit((emit) => {
        if (emit.room !== channel) return;
        const { sequence } = (emit.payload as Delivery).event;
        if (!socket.rooms.has(channel)) beforeJoin.push(sequence);
        if (sequence === 50) void socket.join(channel); // synchronous for in-memory rooms and the classic Redis adapter
      });
      const sent = Array.from({ length: 100 }, (_, i) => delivery(channel, i + 1));

      await Promise.all(sent.map((d) => harness.fanout.emit(d)));

      await waitFor(() => received.length === 50);
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop();
      expect(beforeJoin).toEqual(sent.slice(0, 50).map((d) => d.event.sequence));
      expect(received.map((d) => d.event.sequence)).toEqual(sent.slice(50).map((d) => d.event.sequence));
    });
  });
}
