import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import {
  describeZodError,
  ORDERS_TOPIC,
  OrderEvent,
  orderEventSchema,
  parseChannel,
} from '@shopnest/contracts';
import {
  Consumption,
  EventBus,
  IncomingMessage,
} from '@shopnest/platform-event-bus';
import { Fanout } from '@shopnest/platform-fanout';
import { MetricsService } from '@shopnest/platform-observability';
import {
  NOTIFICATIONS_CONFIG,
  NotificationsConfig,
} from './notifications.config';
import { routeEvent } from './routing';

type Outcome = 'pushed' | 'dead_lettered' | 'failed';

type ConsumerMetrics = ReturnType<typeof consumerMetrics>;

function consumerMetrics(metrics: MetricsService) {
  return {
    consumed: metrics.counter(
      'events_consumed_total',
      'Valid order events received, by type',
      ['type'],
    ),
    pushed: metrics.counter(
      'events_pushed_total',
      'Pushes to a channel, by channel kind',
      ['channel_kind'],
    ),
    deadLettered: metrics.counter(
      'events_dead_lettered_total',
      'Messages skipped because they could not be decoded or validated, by reason',
      ['reason'],
    ),
    processing: metrics.histogram(
      'event_processing_seconds',
      'Time from receiving a message to its last push resolving, by outcome',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      ['outcome'],
    ),
  };
}

/**
 * Consumes order events from Kafka in the worker's group, routes each to its channels and pushes
 * it through the fanout. The handler resolves only once every push resolved, so the bus commits
 * the offset after the push (at-least-once: a failure or a crash re-delivers; clients
 * de-duplicate by event id).
 */
@Injectable()
export class OrderEventsConsumer
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(OrderEventsConsumer.name);
  private consumption: Consumption | undefined;

  private readonly metrics: ConsumerMetrics;

  constructor(
    private readonly bus: EventBus,
    private readonly fanout: Fanout,
    metrics: MetricsService,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
  ) {
    this.metrics = consumerMetrics(metrics);
  }

  /** Starts once every module is initialised (adapters connected, topics set up by the app). */
  async onApplicationBootstrap(): Promise<void> {
    const { group, fromBeginning } = this.config.consumer;
    this.consumption = await this.bus.consume({
      topic: ORDERS_TOPIC,
      group,
      fromBeginning,
      handler: (message) => this.handle(message),
    });
    this.logger.log({
      msg: 'consuming order events',
      topic: ORDERS_TOPIC,
      group,
      fromBeginning,
    });
  }

  /** Stops taking messages before the app closes its connections; the message in hand finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    const consumption = this.consumption;
    this.consumption = undefined;
    if (!consumption) return;
    await consumption.stop();
    this.logger.log({
      msg: 'stopped consuming order events',
      group: this.config.consumer.group,
    });
  }

  /** Handles one message; rejects only when a push failed, so the bus delivers it again. */
  async handle(message: IncomingMessage): Promise<void> {
    const stopTimer = this.metrics.processing.startTimer();
    let outcome: Outcome = 'failed';
    try {
      if (message.kind === 'malformed') {
        this.deadLetter(message, 'undecodable', message.reason);
        outcome = 'dead_lettered';
        return;
      }
      const parsed = orderEventSchema.safeParse(message.event);
      if (!parsed.success) {
        this.deadLetter(
          message,
          'invalid',
          describeZodError(parsed.error),
          message.event,
        );
        outcome = 'dead_lettered';
        return;
      }
      await this.push(parsed.data);
      outcome = 'pushed';
    } finally {
      stopTimer({ outcome });
    }
  }

  private async push(event: OrderEvent): Promise<void> {
    const log = {
      eventId: event.id,
      type: event.type,
      orderId: event.data.orderId,
      sequence: event.sequence,
    };
    this.metrics.consumed.inc({ type: event.type });
    const routes = routeEvent(event);
    // Wait for every push, even after one failed, so a redelivery never races a push still in flight.
    const results = await Promise.allSettled(
      routes.map(async ({ channel, volatile }) => {
        await this.fanout.emit({ channel, event }, { volatile });
        this.metrics.pushed.inc({
          channel_kind: parseChannel(channel)?.kind ?? 'unknown',
        });
      }),
    );
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected'
        ? [{ channel: routes[i].channel, reason: r.reason }]
        : [],
    );
    if (failures.length > 0) {
      const reason = failures[0].reason;
      this.logger.error({
        msg: 'push failed; the event will be delivered again',
        ...log,
        channels: failures.map((f) => f.channel),
        err: reason instanceof Error ? reason.message : String(reason),
      });
      throw reason instanceof Error ? reason : new Error(String(reason));
    }
    this.logger.debug({
      msg: 'event pushed',
      ...log,
      channels: routes.map((r) => r.channel),
    });
  }

  // Issue 5 publishes these to ORDERS_DLQ_TOPIC; the EventBus port carries envelopes, not raw bytes, so for now they are logged, counted and skipped.
  private deadLetter(
    message: IncomingMessage,
    reason: 'undecodable' | 'invalid',
    detail: string,
    event?: unknown,
  ): void {
    this.metrics.deadLettered.inc({ reason });
    const envelope = event as
      | { id?: unknown; type?: unknown; subject?: unknown }
      | undefined;
    this.logger.warn({
      msg: 'skipping a message that is not a valid order event',
      reason,
      detail,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      eventId: envelope?.id,
      type: envelope?.type,
      orderId: envelope?.subject ?? message.key,
    });
  }
}
