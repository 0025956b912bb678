import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import {
  CANARY_ROOM,
  CANARY_TOPIC,
  CanaryEvent,
  canaryEventSchema,
  DeadLetterReason,
  describeZodError,
  Envelope,
  ORDERS_TOPIC,
  OrderEvent,
  orderEventSchema,
  parseChannel,
  SUPPORT_TOPIC,
  SupportEvent,
  supportEventSchema,
} from '@shopnest/contracts';
import { Consumption, EventBus, IncomingMessage } from '@shopnest/platform-event-bus';
import { ChannelPublisher, ProcessedEvents } from '@shopnest/platform-history';
import { MetricsService, ReadinessRegistry } from '@shopnest/platform-observability';
import { retryWithBackoff } from '@shopnest/platform-retry';
import {
  context,
  contextFrom,
  eventSpanAttributes,
  inSpan,
  SpanKind,
  trace,
  withTraceContext,
} from '@shopnest/platform-tracing';
import { deadLetterTopicOf, DLQ_HEADERS, redriveCountOf, withoutFailureHeaders } from './dlq/dead-letter-headers';
import { InboxService } from './inbox/inbox.service';
import { NOTIFICATIONS_CONFIG, NotificationsConfig } from './notifications.config';
import { Route, routeEvent } from './routing';
import { routeSupportEvent } from './support-routing';
import { z } from 'zod';

/** One topic the worker consumes: the schema its events must pass and the routing table they go through. */
export interface EventStream<E extends Envelope = Envelope> {
  /** Names the stream in logs; the support stream's consumer group is the worker's group + `.support`. */
  name: 'orders' | 'support' | 'canary' | 'notifications';
  topic: string;
  schema: z.ZodType<E>;
  route(event: E): Route[];
}

export const ORDER_EVENT_STREAM: EventStream<OrderEvent> = {
  name: 'orders',
  topic: ORDERS_TOPIC,
  schema: orderEventSchema,
  route: routeEvent,
};

export const SUPPORT_EVENT_STREAM: EventStream<SupportEvent> = {
  name: 'support',
  topic: SUPPORT_TOPIC,
  schema: supportEventSchema,
  route: routeSupportEvent,
};

type Outcome = 'pushed' | 'duplicate' | 'dead_lettered' | 'failed';

const MAX_ERROR_HEADER_CHARS = 1_000;

const tracer = trace.getTracer('@shopnest/notifications');

/** One set per registry: the consumers of every stream share it. */
const metricsByRegistry = new WeakMap<MetricsService, ReturnType<typeof createConsumerMetrics>>();

function consumerMetrics(metrics: MetricsService) {
  let shared = metricsByRegistry.get(metrics);
  if (!shared) metricsByRegistry.set(metrics, (shared = createConsumerMetrics(metrics)));
  return shared;
}

function createConsumerMetrics(metrics: MetricsService) {
  return {
    consumed: metrics.counter('events_consumed_total', 'Valid events received, by type', ['type']),
    pushed: metrics.counter(
      'events_pushed_total',
      'Pushes to a channel (with its history append, in one step), by channel kind',
      ['channel_kind'],
    ),
    retried: metrics.counter('events_retried_total', 'Retries of an event whose publish to a channel failed', []),
    duplicates: metrics.counter(
      'events_duplicates_skipped_total',
      'Redelivered events skipped because they were already handled',
      [],
    ),
    deadLettered: metrics.counter(
      'events_dead_lettered_total',
      'Messages sent to the dead-letter topic: undecodable, invalid, or failed after retries; redriven="true" when an operator had re-driven it before',
      ['reason', 'redriven'],
    ),
    processing: metrics.histogram(
      'event_processing_seconds',
      'Time from receiving a message to its outcome (retries included), by outcome',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      ['outcome'],
    ),
    lag: metrics.gauge('consumer_lag', "Messages not yet committed by the worker's group, by topic and partition", [
      'topic',
      'partition',
    ]),
  };
}

/**
 * Consumes one {@link EventStream} (order events, support events) from Kafka in the worker's
 * group and, for each event, publishes every route of the stream's routing table through the
 * {@link ChannelPublisher}: appended to the channel's history and
 * pushed with that offset in one atomic step (non-volatile), or kept as the channel's latest
 * volatile event and pushed without one. So a channel's live deliveries leave in offset order
 * whatever the number of worker replicas.
 *
 * - At-least-once: the handler resolves only after every route is published, and only then does
 *   the bus commit the offset. A crash re-delivers.
 * - Idempotent: a publish is idempotent by event id per channel (a redelivered event keeps its
 *   offset and is not pushed again), for `HISTORY_DEDUPE_TTL_S`. An event with a volatile route is
 *   also skipped whole once fully handled (`ProcessedEvents`, same TTL): a volatile publish is not
 *   idempotent, and a redelivered position would replace a newer one. Events without one skip that
 *   check and mark (two Redis round trips per message): the publisher's idempotency covers them.
 * - Failures: retried with exponential backoff and full jitter; retries within one delivery skip
 *   the routes already done. Still failing, the event is dead-lettered to `<topic>.dlq` of its topic
 *   (original bytes, error in `dlq-*` headers) and the worker goes on, unless a readiness probe
 *   failed after any of the tries: an outage is not the event's fault, so the handler rejects
 *   and the bus redelivers it.
 *   Records that do not decode or validate are dead-lettered at once.
 */
/**
 * What every stream's consumer needs from the container, as one provider: each consumer class
 * then names only its stream.
 */
@Injectable()
export class StreamConsumerDeps {
  constructor(
    readonly bus: EventBus,
    readonly publisher: ChannelPublisher,
    readonly processed: ProcessedEvents,
    readonly metrics: MetricsService,
    @Inject(NOTIFICATIONS_CONFIG) readonly config: NotificationsConfig,
    @Optional() readonly readiness?: ReadinessRegistry,
  ) {}
}

export class EventStreamConsumer<E extends Envelope = Envelope>
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger: Logger;
  private readonly metrics: ReturnType<typeof consumerMetrics>;
  private consumption: Consumption | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /**
   * Keeps each notification pushed to a user's channel in their inbox. Injected as a property, so
   * every stream's consumer gets it without a constructor argument; absent without `InboxModule`.
   */
  @Optional() @Inject(InboxService) private readonly inbox?: InboxService;

  private readonly bus: EventBus;
  private readonly publisher: ChannelPublisher;
  private readonly processed: ProcessedEvents;
  private readonly config: NotificationsConfig;
  private readonly readiness?: ReadinessRegistry;

  constructor(
    private readonly stream: EventStream<E>,
    deps: StreamConsumerDeps,
  ) {
    ({ bus: this.bus, publisher: this.publisher, processed: this.processed, config: this.config } = deps);
    this.readiness = deps.readiness;
    this.metrics = consumerMetrics(deps.metrics);
    this.logger = new Logger(`EventStreamConsumer(${stream.name})`);
  }

  /** The worker's group for orders; a group of its own (`<group>.support`) for each other stream. */
  private get group(): string {
    const { group } = this.config.consumer;
    return this.stream.name === 'orders' ? group : `${group}.${this.stream.name}`;
  }

  /** Starts once every module is initialised (adapters connected, topics set up by the app). */
  async onApplicationBootstrap(): Promise<void> {
    const { fromBeginning, lagIntervalMs } = this.config.consumer;
    const { group } = this;
    const { topic } = this.stream;
    this.consumption = await this.bus.consume({
      topic,
      group,
      fromBeginning,
      handler: (message) => this.handle(message),
    });
    void this.refreshLag();
    this.lagTimer = setInterval(() => void this.refreshLag(), lagIntervalMs);
    this.lagTimer.unref();
    this.logger.log({ msg: 'consuming events', topic, group, fromBeginning });
  }

  /** Stops taking messages before the app closes its connections; the message in hand finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.lagTimer);
    const consumption = this.consumption;
    this.consumption = undefined;
    if (!consumption) return;
    await consumption.stop();
    this.logger.log({ msg: 'stopped consuming events', topic: this.stream.topic, group: this.group });
  }

  /** Reads the group's lag into `shopnest_consumer_lag`; a failed read keeps the last values. */
  async refreshLag(): Promise<void> {
    try {
      for (const { partition, lag } of (await this.consumption?.lag()) ?? []) {
        this.metrics.lag.set({ topic: this.stream.topic, partition: String(partition) }, lag);
      }
    } catch (error) {
      this.logger.warn({ msg: 'could not read consumer lag', err: messageOf(error) });
    }
  }

  /**
   * Handles one message: resolves once it is delivered, skipped as a duplicate, or dead-lettered;
   * rejects (so the bus delivers it again) only when dead-lettering failed or a dependency is down.
   */
  handle(message: IncomingMessage): Promise<void> {
    if (message.kind === 'malformed') return this.handleMessage(message);
    // A `process <topic>` span continuing the producer's trace (the event's `traceparent`).
    const { event, topic } = message;
    return inSpan(
      tracer,
      `process ${topic}`,
      SpanKind.CONSUMER,
      contextFrom(event),
      eventSpanAttributes(event, topic, 'process'),
      () => this.handleMessage(message),
    );
  }

  private async handleMessage(message: IncomingMessage): Promise<void> {
    const stopTimer = this.metrics.processing.startTimer();
    let outcome: Outcome = 'failed';
    try {
      if (message.kind === 'malformed') {
        await this.deadLetter(message, 'undecodable', message.reason);
        outcome = 'dead_lettered';
        return;
      }
      const parsed = this.stream.schema.safeParse(message.event);
      if (!parsed.success) {
        await this.deadLetter(message, 'invalid', describeZodError(parsed.error));
        outcome = 'dead_lettered';
        return;
      }
      outcome = await this.deliverWithRetries(message, parsed.data);
    } finally {
      stopTimer({ outcome });
    }
  }

  private async deliverWithRetries(message: IncomingMessage, event: E): Promise<Outcome> {
    this.metrics.consumed.inc({ type: event.type });
    const log = { eventId: event.id, type: event.type, subject: event.subject, sequence: event.sequence };
    const routes = this.stream.route(event);
    /** Routes published so far in this delivery, and whether each one added the event (false: a redelivery). */
    const done = new Map<Route, boolean>();
    const { attempts, baseDelayMs, maxDelayMs } = this.config.retry;
    let tries = 0;
    // Judged at each failure, not only after the last: a dependency back just before the last
    // check must not turn an outage's event into a dead letter.
    let outage = false;
    try {
      return await retryWithBackoff(
        (attempt) => {
          tries = attempt;
          return this.deliver(event, routes, done);
        },
        { attempts, startingDelayMs: baseDelayMs, maxDelayMs },
        async (error, failures) => {
          if (!outage && !(await this.dependenciesReady())) outage = true;
          if (this.stopping) return false;
          this.metrics.retried.inc();
          this.logger.warn({ msg: 'delivery failed; retrying', ...log, failures, err: messageOf(error) });
          return true;
        },
      );
    } catch (error) {
      if (this.stopping || outage || !(await this.dependenciesReady())) {
        this.logger.error({
          msg: 'delivery failed while stopping or during an outage; the event will be delivered again',
          ...log,
          err: messageOf(error),
        });
        throw error;
      }
      await this.deadLetter(message, 'failed', messageOf(error), tries);
      return 'dead_lettered';
    }
  }

  /**
   * One attempt: every route not yet done, then the outcome. With a volatile route, the event is
   * skipped if already handled and marked handled at the end (`ProcessedEvents`); without one, the
   * publisher's idempotency by id says whether it was a redelivery, in the same round trip as the push.
   */
  private async deliver(event: E, routes: Route[], done: Map<Route, boolean>): Promise<Outcome> {
    const guarded = routes.some((route) => route.volatile);
    if (guarded && done.size === 0 && (await this.processed.has(event.id))) return this.duplicate(event);
    // Every route settles before the attempt ends, so a retry never races a push still in flight.
    const results = await Promise.allSettled(
      routes.filter((route) => !done.has(route)).map(async (route) => done.set(route, await this.push(route))),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    if (guarded) await this.processed.add(event.id);
    else if (routes.length > 0 && ![...done.values()].some(Boolean)) return this.duplicate(event);
    this.logger.debug({ msg: 'event pushed', eventId: event.id, channels: routes.map((r) => r.channel) });
    return 'pushed';
  }

  private duplicate(event: E): Outcome {
    this.metrics.duplicates.inc();
    this.logger.debug({ msg: 'event already handled; skipped', eventId: event.id });
    return 'duplicate';
  }

  /**
   * One `publish <channel>` span per route, child of the `process` span; the pushed event carries
   * its context (`traceparent`), so the edges' delivery spans continue the trace.
   */
  private push({ channel, event, volatile, snapshot }: Route): Promise<boolean> {
    const attributes = eventSpanAttributes(event, channel, 'publish');
    return inSpan(tracer, `publish ${channel}`, SpanKind.PRODUCER, context.active(), attributes, async (span) => {
      const traced = withTraceContext(event, span);
      if (volatile) await this.publisher.publishVolatile(channel, traced, { snapshot });
      else {
        const { added } = await this.publisher.publish(channel, traced, { snapshot });
        // Even when an earlier delivery pushed it (and crashed before its item): the inbox is idempotent.
        await this.inbox?.keep(channel, event);
        if (!added) return false; // pushed by an earlier delivery
      }
      this.metrics.pushed.inc({ channel_kind: parseChannel(channel)?.kind ?? 'unknown' });
      return true;
    });
  }

  /** Whether every readiness probe of the app answers; without a registry (unit tests), yes. */
  private async dependenciesReady(): Promise<boolean> {
    const probes = this.readiness?.entries() ?? [];
    const results = await Promise.allSettled(probes.map(([, probe]) => probe()));
    return results.every((r) => r.status === 'fulfilled');
  }

  private async deadLetter(
    message: IncomingMessage,
    reason: DeadLetterReason,
    error: string,
    attempts?: number,
  ): Promise<void> {
    const raw = message.kind === 'malformed' ? { value: message.value, headers: message.headers } : message.raw;
    const dlq = deadLetterTopicOf(message.topic);
    await this.bus.publishRaw(dlq, {
      key: message.key,
      value: raw.value,
      headers: {
        // A re-driven record failing again: its old failure's headers give way to this one's; its re-drive count stays.
        ...withoutFailureHeaders(raw.headers),
        [DLQ_HEADERS.reason]: reason,
        [DLQ_HEADERS.error]: error.slice(0, MAX_ERROR_HEADER_CHARS),
        [DLQ_HEADERS.topic]: message.topic,
        [DLQ_HEADERS.partition]: String(message.partition),
        [DLQ_HEADERS.offset]: message.offset,
        [DLQ_HEADERS.group]: this.group,
        [DLQ_HEADERS.failedAt]: new Date().toISOString(),
        ...(attempts === undefined ? {} : { [DLQ_HEADERS.attempts]: String(attempts) }),
      },
    });
    const redriveCount = redriveCountOf(raw.headers);
    this.metrics.deadLettered.inc({ reason, redriven: String(redriveCount > 0) });
    const envelope = message.kind === 'event' ? message.event : undefined;
    this.logger.warn({
      msg: 'dead-lettered a message',
      reason,
      error,
      redriveCount,
      dlq,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      eventId: envelope?.id,
      type: envelope?.type,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Delivery canaries (`shopnest.canary.v1`) into the canary room, volatile (only the latest is
 * kept): every edge times their arrival (see `/health/delivery` on the edge).
 */
export const CANARY_EVENT_STREAM: EventStream<CanaryEvent> = {
  name: 'canary',
  topic: CANARY_TOPIC,
  schema: canaryEventSchema,
  route: (event) => [{ channel: CANARY_ROOM, event, volatile: true }],
};

/** Order events (`shopnest.orders.v1`) into the order, user and ops channels. */
@Injectable()
export class OrderEventsConsumer extends EventStreamConsumer<OrderEvent> {
  constructor(deps: StreamConsumerDeps) {
    super(ORDER_EVENT_STREAM, deps);
  }
}

/** Ticket and message events (`shopnest.support.v1`) into the ticket, queue and user channels. */
@Injectable()
export class SupportEventsConsumer extends EventStreamConsumer<SupportEvent> {
  constructor(deps: StreamConsumerDeps) {
    super(SUPPORT_EVENT_STREAM, deps);
  }
}

/** The delivery canaries, back from Kafka: pushed to every edge. */
@Injectable()
export class CanaryEventsConsumer extends EventStreamConsumer<CanaryEvent> {
  constructor(deps: StreamConsumerDeps) {
    super(CANARY_EVENT_STREAM, deps);
  }
}
