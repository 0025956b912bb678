import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  NOTIFICATION_PUBLISHED,
  NOTIFICATIONS_DLQ_TOPIC,
  NOTIFICATIONS_TOPIC,
  NotificationPublishedEvent,
  PublishNotification,
} from '@shopnest/contracts';
import { IncomingMessage, InMemoryEventBus } from '@shopnest/platform-event-bus';
import { MetricsService } from '@shopnest/platform-observability';
import { waitFor } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS } from '../dlq/dead-letter-headers';
import { NotificationsConfig } from '../notifications.config';
import { platformFixture } from '../testing/platform.fixture';
import { RecordingFanout } from '../testing/recording-fanout.fixture';
import { NotificationPublisher } from './notification-publisher.service';
import { parsePublishAllowlist, PublishAllowlist } from './publish-allowlist';
import { PublishModule } from './publish.module';

const notifications: NotificationsConfig = {
  consumer: { group: 'notification-worker', fromBeginning: false, lagIntervalMs: 60_000 },
  retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  canaryIntervalMs: 0,
};
const parsed = parsePublishAllowlist('payments=user:*;marketing=user:*,ops:orders');
const allowlist = (parsed.ok ? parsed.allowlist : new Map()) as PublishAllowlist;

const published = (data: PublishNotification, source = '/shopnest/payments'): NotificationPublishedEvent => ({
  specversion: '1.0',
  id: randomUUID(),
  type: NOTIFICATION_PUBLISHED,
  source,
  subject: 'n',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  sequence: 0,
  data,
});

describe('notifications from other services', () => {
  let bus: InMemoryEventBus;
  let fanout: RecordingFanout;
  let app: INestApplication;
  let deadLetters: IncomingMessage[];

  beforeEach(async () => {
    bus = new InMemoryEventBus({ redeliveryDelayMs: 5 });
    fanout = new RecordingFanout();
    deadLetters = [];
    await bus.consume({
      topic: NOTIFICATIONS_DLQ_TOPIC,
      group: 'dlq-reader',
      fromBeginning: true,
      handler: async (m) => void deadLetters.push(m),
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        platformFixture({ bus, fanout, metrics: new MetricsService('publish-test') }),
        PublishModule.forRoot({ allowlist }, notifications),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  const pushes = (id: string) =>
    fanout.emitted
      .filter((e) => e.delivery.event.id === id)
      .map((e) => ({ channel: e.delivery.channel, data: e.delivery.event.data }));
  const headersOf = (m: IncomingMessage) => (m.kind === 'malformed' ? m.headers : m.raw.headers);

  it('pushes one copy per target channel, each without the list of recipients, once even when redelivered', async () => {
    const event = published({
      to: { users: ['u-1', 'u-2', 'u-1'] },
      title: 'Refund',
      text: 'Your refund is on its way',
      data: { refundId: 'r-9' },
    });
    await bus.publish(NOTIFICATIONS_TOPIC, [
      { key: event.subject, event },
      { key: event.subject, event },
    ]);
    await waitFor(() => pushes(event.id).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const content = { title: 'Refund', text: 'Your refund is on its way', data: { refundId: 'r-9' } };
    expect(pushes(event.id)).toEqual([
      { channel: 'user:u-1', data: content },
      { channel: 'user:u-2', data: content },
    ]);
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters a channel its source may not publish to, an unknown channel and a foreign source, with the reason', async () => {
    const forbidden = published({ to: { users: ['u-1'], channel: 'ops:orders' }, text: 'hi' });
    const internal = published({ to: { channel: 'ticket-internal:t-1' }, text: 'hi' }, '/shopnest/marketing');
    const unknown = {
      ...published({ to: { users: ['u-1'] }, text: 'hi' }),
      data: { to: { channel: 'system:canary' }, text: 'hi' },
    };
    const stranger = published({ to: { users: ['u-1'] }, text: 'hi' }, 'https://evil.example');
    for (const event of [forbidden, internal, unknown, stranger]) {
      await bus.publish(NOTIFICATIONS_TOPIC, [{ key: event.subject, event: event as NotificationPublishedEvent }]);
    }
    await waitFor(() => deadLetters.length === 4);
    expect(deadLetters.map((m) => [headersOf(m)[DLQ_HEADERS.reason], headersOf(m)[DLQ_HEADERS.error]])).toEqual([
      ['invalid', 'data.to: FORBIDDEN: payments may not publish to ops:orders'],
      ['invalid', 'data.to: FORBIDDEN: marketing may not publish to ticket-internal:t-1'],
      ['invalid', expect.stringMatching(/^data\.to\.channel: must be order:\{id\}/)],
      ['invalid', 'source: FORBIDDEN: must be /shopnest/{service identity}'],
    ]);
    expect(fanout.emitted).toEqual([]);
  });

  it('publishes over the bus as the calling service, and refuses a channel not on its list before writing anything', async () => {
    const publisher = app.get(NotificationPublisher);
    const answer = await publisher.publish('marketing', { to: { channel: 'ops:orders' }, text: 'Flash sale' });
    expect(answer.channels).toBe(1);
    await waitFor(() => pushes(answer.id).length === 1);
    expect(fanout.emitted.find((e) => e.delivery.event.id === answer.id)?.delivery.event).toMatchObject({
      source: '/shopnest/marketing',
      type: NOTIFICATION_PUBLISHED,
      subject: 'ops:orders',
    });

    await expect(publisher.publish('payments', { to: { channel: 'ops:orders' }, text: 'x' })).rejects.toMatchObject({
      status: 403,
      response: { code: 'FORBIDDEN', message: 'payments may not publish to ops:orders' },
    });
    await expect(publisher.publish('Not A Service', { to: { users: ['u'] }, text: 'x' })).rejects.toMatchObject({
      status: 403,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fanout.emitted).toHaveLength(1);
    expect(deadLetters).toEqual([]);
  });
});
