import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import {
  authRefreshRequestSchema,
  CANARY_TOPIC,
  CLIENT_EVENTS,
  INBOX_EVENT_TYPES,
  NOTIFICATION_EVENT_TYPES,
  NOTIFICATION_PUBLISHED,
  NOTIFICATIONS_DLQ_TOPIC,
  NOTIFICATIONS_TOPIC,
  OPS_STATS_EVENT,
  ORDER_EVENT_TYPES,
  ORDER_SNAPSHOT_EVENT,
  ORDERS_DLQ_TOPIC,
  ORDERS_TOPIC,
  PRESENCE_CLIENT_EVENTS,
  PRESENCE_SERVER_EVENTS,
  presenceStatusRequestSchema,
  SESSION_CLIENT_EVENTS,
  SESSION_SERVER_EVENTS,
  SUPPORT_DLQ_TOPIC,
  SUPPORT_EVENT_TYPES,
  SUPPORT_TOPIC,
  subscribeRequestSchema,
  typingRequestSchema,
  unsubscribeRequestSchema,
} from '../index';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/asyncapi.yaml is valid AsyncAPI 3 (by the AsyncAPI initiative's own parser and rules) and
 * names every topic and socket event of `libs/contracts` (and every field of a client request), so the
 * document cannot drift from the code.
 */
const DOCUMENT = join(__dirname, '../../../../docs/asyncapi.yaml');
const SOCKET_CHANNEL = 'socket';

const parse = (text: string) => new Parser().parse(text);
const errorsOf = (diagnostics: Awaited<ReturnType<typeof parse>>['diagnostics']) =>
  diagnostics
    .filter((d) => d.severity === DiagnosticSeverity.Error)
    .map((d) => `${d.path.join('.')}: ${d.message} (${String(d.code)})`);

describe('docs/asyncapi.yaml', () => {
  const text = readFileSync(DOCUMENT, 'utf8');
  let parsed: Awaited<ReturnType<typeof parse>>;

  beforeAll(async () => {
    parsed = await parse(text);
  });

  it('is an AsyncAPI 3 document without an error-level diagnostic', () => {
    expect(errorsOf(parsed.diagnostics)).toEqual([]);
    expect(parsed.document?.version()).toMatch(/^3\./);
  });

  it('has a channel for every Kafka topic of the contracts', () => {
    const addresses = new Set(
      parsed.document
        ?.channels()
        .all()
        .map((channel) => channel.address()),
    );
    const topics = [
      ORDERS_TOPIC,
      ORDERS_DLQ_TOPIC,
      SUPPORT_TOPIC,
      SUPPORT_DLQ_TOPIC,
      NOTIFICATIONS_TOPIC,
      NOTIFICATIONS_DLQ_TOPIC,
      CANARY_TOPIC,
    ];
    expect(topics.filter((topic) => !addresses.has(topic))).toEqual([]);
  });

  const socketMessages = (action: 'send' | 'receive') =>
    (parsed.document?.operations().all() ?? [])
      .filter((op) => op.action() === action && op.channels().has(SOCKET_CHANNEL))
      .flatMap((op) => op.messages().all());

  it('has a message, in the right direction, for every socket event of the contracts', () => {
    const namesOn = (action: 'send' | 'receive') => new Set(socketMessages(action).map((message) => message.name()));
    const fromClients = [
      ...Object.values(CLIENT_EVENTS),
      ...Object.values(SESSION_CLIENT_EVENTS),
      ...Object.values(PRESENCE_CLIENT_EVENTS),
    ];
    const toClients = [
      ...Object.values(SESSION_SERVER_EVENTS),
      ...Object.values(PRESENCE_SERVER_EVENTS),
      ...Object.values(ORDER_EVENT_TYPES),
      ...Object.values(SUPPORT_EVENT_TYPES),
      ...Object.values(NOTIFICATION_EVENT_TYPES),
      NOTIFICATION_PUBLISHED,
      ...Object.values(INBOX_EVENT_TYPES),
      OPS_STATS_EVENT,
      ORDER_SNAPSHOT_EVENT,
    ];
    const received = namesOn('receive');
    const sent = namesOn('send');
    expect(fromClients.filter((name) => !received.has(name))).toEqual([]);
    expect(toClients.filter((name) => !sent.has(name))).toEqual([]);
  });

  it.each([
    [CLIENT_EVENTS.subscribe, subscribeRequestSchema],
    [CLIENT_EVENTS.unsubscribe, unsubscribeRequestSchema],
    [SESSION_CLIENT_EVENTS.refresh, authRefreshRequestSchema],
    [PRESENCE_CLIENT_EVENTS.typing, typingRequestSchema],
    [PRESENCE_CLIENT_EVENTS.status, presenceStatusRequestSchema],
  ])('documents exactly the fields the edge accepts in %s', (name, schema) => {
    const message = socketMessages('receive').find((m) => m.name() === name);
    expect(Object.keys(message?.payload()?.properties() ?? {}).sort()).toEqual(Object.keys(schema.shape).sort());
  });

  it('reports a broken document, so a passing run means something', async () => {
    const broken = await parse(
      text.replace("$ref: '#/components/messages/subscribe'", "$ref: '#/components/messages/nope'"),
    );
    expect(errorsOf(broken.diagnostics).length).toBeGreaterThan(0);
  });
});
