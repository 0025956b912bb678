import { Global, INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Role, SUPPORT_TOPIC, SupportEvent, supportEventSchema } from '@shopnest/contracts';
import { AuthModule, jwtEnvSchema } from '@shopnest/platform-auth';
import { EventBus, InMemoryEventBus, OutgoingEvent } from '@shopnest/platform-event-bus';
import { OutboxRelay } from '@shopnest/platform-outbox';
import { SqlDatabaseConfig } from '@shopnest/platform-sql';
import { signTestToken, TEST_JWT_ENV, waitFor } from '@shopnest/testing';
import { AddressInfo } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { InMemoryOrderOwnership } from '../order-ownership';
import { SupportModule } from '../support.module';
import { SupportErrorFilter } from './support-error.filter';

const bus = new InMemoryEventBus();
const published: OutgoingEvent[] = [];
jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => {
  if (topic === SUPPORT_TOPIC) published.push(...events);
});

/** Stands in for the app's global EventBusModule. */
@Global()
@Module({ providers: [{ provide: EventBus, useValue: bus }], exports: [EventBus] })
class TestEventBusModule {}

interface Reply {
  status: number;
  body: Record<string, unknown> & { code?: string; message?: string };
}

const orders = new InMemoryOrderOwnership();
const token = (userId: string, ...roles: Role[]) => signTestToken(userId, { roles });
const alice = token('alice', 'customer');
const bob = token('bob', 'customer');
const courier = token('carl', 'courier');
const agent = token('agent-1', 'agent');
const agent2 = token('agent-2', 'agent');
const service = token('edge', 'service');

/**
 * The support desk's REST behaviour over a real database: run on PGlite (unit) and on the
 * PostgreSQL server (int-test), the same suite.
 */
export function describeTicketsApi(
  name: string,
  store: () => SqlDatabaseConfig,
  release = async () => undefined,
): void {
  describe(`TicketsController (HTTP, ${name})`, () => {
    let app: INestApplication;
    let base: string;

    beforeAll(async () => {
      const module = await Test.createTestingModule({
        imports: [
          AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV)),
          TestEventBusModule,
          SupportModule.forRoot(
            {
              store: store(),
              outbox: { sweepIntervalMs: 100 },
              orders: { baseUrl: 'http://unused', serviceToken: 'a.b.c', timeoutMs: 100 },
            },
            { orders },
          ),
        ],
        providers: [{ provide: APP_FILTER, useClass: SupportErrorFilter }],
      }).compile();
      app = module.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    }, 60_000);

    afterAll(async () => {
      await app.close();
      await bus.close();
      await release();
    });

    const call = async (method: string, path: string, auth: string | undefined, body?: unknown): Promise<Reply> => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(auth && { authorization: `Bearer ${auth}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : {} };
    };
    const open = async (who = alice, extra: Record<string, unknown> = {}) => {
      const reply = await call('POST', '/tickets', who, {
        message: { clientMessageId: uuidv7(), text: 'Where is my parcel?' },
        ...extra,
      });
      expect(reply.status).toBe(201);
      return reply.body as unknown as { ticket: { id: string }; message: { id: string } };
    };
    const send = (ticketId: string, who: string, text: string, visibility?: 'public' | 'internal', id = uuidv7()) =>
      call('POST', `/tickets/${ticketId}/messages`, who, {
        clientMessageId: id,
        text,
        ...(visibility && { visibility }),
      });
    /** The events of one ticket published so far, validated. */
    const eventsOf = async (ticketId: string, ...until: SupportEvent['type'][]): Promise<SupportEvent[]> => {
      app.get(OutboxRelay).wake();
      let events: SupportEvent[] = [];
      // Once every type in `until` is among them.
      await waitFor(() => {
        events = published.filter((e) => e.key === ticketId).map((e) => supportEventSchema.parse(e.event));
        return until.every((type) => events.some((event) => event.type === type));
      }, 5000);
      return events;
    };

    it('opens a ticket with its first message; ticket.created and message.created go out keyed by ticket, in sequence', async () => {
      const { ticket, message } = await open();
      expect(ticket).toMatchObject({ customerId: 'alice', status: 'open', assigneeId: null, version: 2 });
      expect(message).toMatchObject({ seq: 1, visibility: 'public', authorId: 'alice', text: 'Where is my parcel?' });
      const events = await eventsOf(ticket.id, 'ticket.created', 'message.created');
      expect(events.map((e) => [e.type, e.sequence])).toEqual([
        ['ticket.created', 1],
        ['message.created', 2],
      ]);
    });

    it('opens a ticket about an order only when the order is the customer’s', async () => {
      const mine = uuidv7();
      orders.owners.set(mine, 'alice');
      expect((await open(alice, { orderId: mine })).ticket).toMatchObject({ orderId: mine });
      const refused = await call('POST', '/tickets', bob, {
        orderId: mine,
        message: { clientMessageId: 'x', text: 'hi' },
      });
      expect(refused).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      expect(refused.body.message).toContain('orderId');
    });

    it('returns the same message for a retried send (same clientMessageId), never a second one', async () => {
      const { ticket } = await open();
      const first = await send(ticket.id, alice, 'are you there?', undefined, 'retry-1');
      const again = await send(ticket.id, alice, 'are you there?', undefined, 'retry-1');
      expect(first.status).toBe(201);
      expect(again.status).toBe(200);
      expect(again.body['id']).toBe(first.body['id']);
      const history = await call('GET', `/tickets/${ticket.id}/messages`, alice);
      expect((history.body['messages'] as unknown[]).length).toBe(2);
    });

    it('refuses empty, blank and over-long text with 400 naming the field', async () => {
      const { ticket } = await open();
      for (const text of ['', '   ', 'x'.repeat(4001)]) {
        const reply = await send(ticket.id, alice, text);
        expect(reply).toMatchObject({ status: 400, body: { code: 'INVALID' } });
        expect(reply.body.message).toContain('text');
      }
      expect((await send(ticket.id, alice, `  ${'x'.repeat(4000)}  `)).status).toBe(201);
    });

    it('answers another customer, a courier and a missing ticket alike: 403 FORBIDDEN', async () => {
      const { ticket } = await open();
      const missing = uuidv7();
      for (const [who, id] of [
        [bob, ticket.id],
        [alice, missing],
        [alice, 'not-a-uuid'],
      ] as const) {
        for (const [method, path] of [
          ['GET', `/tickets/${id}`],
          ['GET', `/tickets/${id}/messages`],
        ] as const) {
          expect(await call(method, path, who)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
        }
        expect(await send(id, who, 'hello')).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      }
      expect(await call('GET', `/tickets/${ticket.id}`, courier)).toMatchObject({ status: 403 });
      expect((await call('GET', '/tickets?mine', bob)).body['tickets']).toEqual([]);
    });

    it('keeps internal notes from the customer: they cannot write one, nor see one in history', async () => {
      const { ticket } = await open();
      expect(await send(ticket.id, alice, 'psst', 'internal')).toMatchObject({ status: 403 });
      const note = await send(ticket.id, agent, 'customer seems upset', 'internal');
      expect(note).toMatchObject({ status: 201, body: { visibility: 'internal', seq: 1 } });
      const reply = await send(ticket.id, agent, 'We are on it');
      expect(reply.body).toMatchObject({ visibility: 'public', seq: 2 });
      const customerView = (await call('GET', `/tickets/${ticket.id}/messages`, alice)).body['messages'] as {
        visibility: string;
      }[];
      expect(customerView.map((m) => m.visibility)).toEqual(['public', 'public']);
      const agentView = (await call('GET', `/tickets/${ticket.id}/messages`, agent)).body['messages'] as unknown[];
      expect(agentView).toHaveLength(3);
      expect(
        await call('PATCH', `/tickets/${ticket.id}/messages/${note.body['id']}`, alice, { text: 'x' }),
      ).toMatchObject({ status: 404 });
    });

    it('counts unread per member, moves read pointers forward only, and tells the other side', async () => {
      const { ticket, message: opening } = await open();
      await call('POST', `/tickets/${ticket.id}/assign`, agent, {});
      const first = await send(ticket.id, agent, 'Hi Alice');
      await send(ticket.id, agent, 'It left the depot');
      expect((await call('GET', `/tickets/${ticket.id}`, alice)).body['unread']).toBe(2);
      expect(
        await call('POST', `/tickets/${ticket.id}/read`, alice, { upToMessageId: first.body['id'] }),
      ).toMatchObject({
        status: 200,
        body: { unread: 1 },
      });
      // The agent sees how far Alice has read on load, not only from the live ticket.read.
      expect((await call('GET', `/tickets/${ticket.id}`, agent)).body['otherSideReadSeq']).toBe(2);
      const events = await eventsOf(ticket.id, 'ticket.read');
      const read = events.filter((e) => e.type === 'ticket.read');
      expect(read.map((e) => e.data)).toEqual([expect.objectContaining({ readerId: 'alice', upToSeq: 2 })]);
      const unread = events.filter((e) => e.type === 'unread.changed' && e.data.userId === 'alice');
      expect(unread.at(-1)?.data).toMatchObject({ unread: 1, totalUnread: expect.any(Number) });
      // Reading an older message never moves the pointer back.
      expect(await call('POST', `/tickets/${ticket.id}/read`, alice, { upToMessageId: opening.id })).toMatchObject({
        status: 200,
        body: { unread: 1 },
      });
      expect((await call('GET', `/tickets/${ticket.id}`, agent)).body['otherSideReadSeq']).toBe(2);
      // Alice sees the agents' pointer: their own messages (up to seq 3) count as read.
      expect((await call('GET', `/tickets/${ticket.id}`, alice)).body['otherSideReadSeq']).toBe(3);
      // Sending marks your own read.
      await send(ticket.id, alice, 'thanks');
      expect((await call('GET', `/tickets/${ticket.id}`, alice)).body['unread']).toBe(0);
      expect((await call('GET', `/tickets/${ticket.id}`, agent)).body['unread']).toBe(1);
    });

    it('lets an agent move the status along its state machine; a customer’s message reopens a resolved ticket', async () => {
      const { ticket } = await open();
      expect(await call('PATCH', `/tickets/${ticket.id}`, alice, { status: 'resolved' })).toMatchObject({
        status: 403,
      });
      expect((await call('PATCH', `/tickets/${ticket.id}`, agent, { status: 'pending' })).body).toMatchObject({
        status: 'pending',
      });
      expect((await call('PATCH', `/tickets/${ticket.id}`, agent, { status: 'resolved' })).body).toMatchObject({
        status: 'resolved',
      });
      expect(await call('PATCH', `/tickets/${ticket.id}`, agent, { status: 'pending' })).toMatchObject({
        status: 409,
        body: { code: 'CONFLICT', currentStatus: 'resolved', allowed: ['open'] },
      });
      await send(ticket.id, alice, 'it is still not here');
      expect((await call('GET', `/tickets/${ticket.id}`, alice)).body['status']).toBe('open');
    });

    it('edits by the author only, and deletes as a tombstone that history keeps', async () => {
      const { ticket, message } = await open();
      expect(
        await call('PATCH', `/tickets/${ticket.id}/messages/${message.id}`, agent, { text: 'hijack' }),
      ).toMatchObject({ status: 403 });
      expect(
        (await call('PATCH', `/tickets/${ticket.id}/messages/${message.id}`, alice, { text: 'Where is order 7?' }))
          .body,
      ).toMatchObject({ text: 'Where is order 7?', editedAt: expect.any(String) });
      expect((await call('DELETE', `/tickets/${ticket.id}/messages/${message.id}`, alice)).body).toMatchObject({
        text: null,
        deletedAt: expect.any(String),
      });
      const history = (await call('GET', `/tickets/${ticket.id}/messages`, alice)).body['messages'];
      expect(history).toEqual([expect.objectContaining({ id: message.id, text: null })]);
      const types = (await eventsOf(ticket.id, 'message.updated', 'message.deleted')).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['message.updated', 'message.deleted']));
    });

    it('pages history by message id: before gives older ones newest first, after the newer ones oldest first', async () => {
      const { ticket, message } = await open();
      const ids = [message.id];
      for (const text of ['two', 'three', 'four']) ids.push((await send(ticket.id, alice, text)).body['id'] as string);
      const page = async (query: string) =>
        (
          (await call('GET', `/tickets/${ticket.id}/messages?${query}`, alice)).body['messages'] as { id: string }[]
        ).map((m) => m.id);
      expect(await page('limit=2')).toEqual([ids[3], ids[2]]);
      expect(await page(`before=${ids[2]}&limit=50`)).toEqual([ids[1], ids[0]]);
      expect(await page(`after=${ids[1]}`)).toEqual([ids[2], ids[3]]);
      expect(await call('GET', `/tickets/${ticket.id}/messages?before=${ids[1]}&after=${ids[2]}`, alice)).toMatchObject(
        {
          status: 400,
        },
      );
    });

    it('lists an agent’s tickets by scope, and assigns to the caller or to another agent', async () => {
      const { ticket } = await open();
      const ids = async (who: string, query: string) =>
        ((await call('GET', `/tickets?${query}`, who)).body['tickets'] as { id: string }[]).map((t) => t.id);
      expect(await ids(agent, 'scope=unassigned&limit=100')).toContain(ticket.id);
      expect(await ids(agent, 'scope=mine')).not.toContain(ticket.id);
      expect((await call('POST', `/tickets/${ticket.id}/assign`, agent, { agentId: 'agent-2' })).body).toMatchObject({
        assigneeId: 'agent-2',
      });
      expect(await ids(agent2, 'scope=mine')).toContain(ticket.id);
      expect(await ids(agent, 'scope=all&limit=100')).toContain(ticket.id);
      const assigned = (await eventsOf(ticket.id, 'ticket.assigned')).find((e) => e.type === 'ticket.assigned');
      expect(assigned?.data).toMatchObject({ assigneeId: 'agent-2', assignedBy: 'agent-1' });
    });

    it('tells a service whose ticket it is (the edge’s check), and 404 for none', async () => {
      const { ticket } = await open();
      expect(await call('GET', `/internal/tickets/${ticket.id}/access`, service)).toMatchObject({
        status: 200,
        body: { ticketId: ticket.id, customerId: 'alice' },
      });
      expect(await call('GET', `/internal/tickets/${uuidv7()}/access`, service)).toMatchObject({ status: 404 });
      expect(await call('GET', `/internal/tickets/${ticket.id}/access`, alice)).toMatchObject({ status: 403 });
    });
  });
}
