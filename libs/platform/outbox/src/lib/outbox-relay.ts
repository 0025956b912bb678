import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EventBus } from '@shopnest/platform-event-bus';
import type { MetricsService } from '@shopnest/platform-observability';
import { retryWithBackoff } from '@shopnest/platform-retry';
import { coalesced } from '@shopnest/platform-sql';
import {
  contextFrom,
  eventSpanAttributes,
  failSpan,
  Span,
  SpanKind,
  trace,
  withTraceContext,
} from '@shopnest/platform-tracing';
import { OutboxRelayOptions } from './outbox.config';
import { Outbox, OutboxEntry } from './outbox.port';

const tracer = trace.getTracer('@shopnest/platform-outbox');

/** Under a steady stream of commits, the backlog gauges are still read at least this often. */
const GAUGE_REFRESH_MS = 1000;

interface RelayMetrics {
  pending: { set(value: number): void };
  lag: { set(value: number): void };
  published: { inc(labels: { type: string }, value?: number): void };
  failures: { inc(): void };
  latency: { observe(value: number): void };
  pruned: { inc(value?: number): void };
}

/**
 * Publishes an outbox to one topic (message key = the entry's key, e.g. the order id) through
 * the {@link EventBus}.
 *
 * Runs when woken (a commit anywhere, through {@link Outbox.watch}), when a rate-delayed entry
 * falls due, and on a periodic sweep; drains batch after batch until nothing is due. While the
 * bus fails (Kafka down), it retries with exponential backoff and full jitter (`retryWithBackoff`;
 * a wake-up meanwhile waits for the next try), and REST changes keep
 * committing: they only pile up in the outbox. Every `pruneIntervalMs` it prunes entries published
 * more than `retentionMs` ago, in small batches beside the publishing (never in its way: pruning
 * skips rows a relay holds). `start()`/`stop()` are the Nest bootstrap and
 * shutdown hooks: `stop()` ends the loop and waits (bounded) for the batch in flight, before the
 * bus and the database close.
 */
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly options: Required<OutboxRelayOptions>;
  private readonly metrics?: RelayMetrics;
  /**
   * A drain with its retries, from a wake-up until the outbox is drained or the relay stops; a
   * wake-up during one asks for one more right after it.
   */
  private readonly drains = coalesced(
    () => this.drainWithRetries(),
    () => undefined, // drainWithRetries never rejects
  );
  /** The try in progress (not a wait between tries): what `stop()` waits for. */
  private attempt?: Promise<void>;
  private stopped = true;
  private sweepTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private pruning?: Promise<void>;
  private dueTimer?: NodeJS.Timeout;
  private unwatch?: () => Promise<void>;
  /** When the backlog was last read (gauges and the due timer). */
  private gaugesAt = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly bus: EventBus,
    private readonly topic: string,
    options: OutboxRelayOptions = {},
    metrics?: MetricsService,
  ) {
    this.options = {
      batchSize: options.batchSize ?? 100,
      sweepIntervalMs: options.sweepIntervalMs ?? 2000,
      retryMinMs: options.retryMinMs ?? 200,
      retryMaxMs: options.retryMaxMs ?? 10_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 5000,
      retentionMs: options.retentionMs ?? 7 * 24 * 3_600_000,
      pruneIntervalMs: options.pruneIntervalMs ?? 60_000,
      pruneBatchSize: options.pruneBatchSize ?? 500,
    };
    if (metrics) {
      this.metrics = {
        pending: metrics.gauge('outbox_pending', 'Events committed but not yet published'),
        lag: metrics.gauge('outbox_lag_seconds', 'Age of the oldest unpublished event'),
        published: metrics.counter('outbox_published_total', 'Events published from the outbox', ['type']),
        failures: metrics.counter('outbox_publish_failures_total', 'Failed outbox publish attempts (retried)'),
        latency: metrics.histogram(
          'outbox_publish_latency_seconds',
          'From the commit of a change to its event acknowledged by the bus',
          [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        ),
        pruned: metrics.counter('outbox_pruned_total', 'Published outbox entries deleted after the retention'),
      };
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.unwatch = await this.outbox.watch(() => this.wake());
    this.sweepTimer = setInterval(() => this.wake(), this.options.sweepIntervalMs);
    this.sweepTimer.unref();
    this.pruneTimer = setInterval(() => void this.prune(), this.options.pruneIntervalMs);
    this.pruneTimer.unref();
    this.wake();
  }

  /**
   * Deletes what was published more than the retention ago, batch after batch, until a batch
   * comes back short; one run at a time. Never rejects: a failure is logged and the next run
   * tries again.
   */
  prune(): Promise<void> {
    if (this.stopped || this.pruning) return this.pruning ?? Promise.resolve();
    this.pruning = (async () => {
      const before = new Date(Date.now() - this.options.retentionMs);
      let deleted = this.options.pruneBatchSize;
      while (!this.stopped && deleted === this.options.pruneBatchSize) {
        deleted = await this.outbox.prune(before, this.options.pruneBatchSize);
        this.metrics?.pruned.inc(deleted);
      }
    })()
      .catch((error: unknown) => this.logger.warn(`pruning the outbox failed (next run retries): ${describe(error)}`))
      .finally(() => (this.pruning = undefined));
    return this.pruning;
  }

  /** Runs a drain now, or right after the one in progress (or the retry it waits for). Never rejects. */
  wake(): void {
    if (!this.stopped) this.drains();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    [this.sweepTimer, this.dueTimer, this.pruneTimer].forEach((timer) => clearTimeout(timer));
    await this.unwatch?.().catch(() => undefined);
    await this.pruning; // one statement at most: it ends before the database closes
    // A wait between tries ends by itself, and its try then does nothing: only a try in flight matters.
    const inFlight = this.attempt;
    if (!inFlight) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      inFlight.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.options.stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.logger.warn(
        `a batch was still publishing after ${this.options.stopTimeoutMs} ms; its claim is released on exit and ` +
          'it is published again (possibly twice: consumers de-duplicate by event id)',
      );
    }
  }

  private async drainWithRetries(): Promise<void> {
    const policy = {
      attempts: Infinity,
      startingDelayMs: this.options.retryMinMs,
      maxDelayMs: this.options.retryMaxMs,
    };
    await retryWithBackoff(
      () => {
        this.attempt = this.drain().finally(() => (this.attempt = undefined));
        return this.attempt;
      },
      policy,
      (error, failures) => {
        this.metrics?.failures.inc();
        this.logger.warn(
          `publishing the outbox failed (attempt ${failures}; retrying with backoff): ${describe(error)}`,
        );
        void this.updateGauges().catch(() => undefined);
        return !this.stopped;
      },
    ).catch(() => undefined); // only when stopped: the claim is released, the next start publishes it
  }

  /**
   * One try: publishes batch after batch until nothing is due; does nothing once stopped.
   *
   * A short batch ends the drain without asking again: it held every entry due when it claimed,
   * and a commit after that wakes the relay (another drain follows this one). Asking again would
   * cost an empty claim transaction per batch, and each round trip here delays the next commit's
   * publish (issue 14).
   * For the same reason the backlog query (gauges, the timer of rate-delayed entries) is skipped
   * while another drain is already due, unless it last ran over {@link GAUGE_REFRESH_MS} ago: the
   * next drain claims whatever came due meanwhile anyway.
   */
  private async drain(): Promise<void> {
    if (this.stopped) return;
    while (!this.stopped) {
      const published = await this.outbox.relay(this.options.batchSize, (entries) => this.publish(entries));
      if (published < this.options.batchSize) break;
    }
    if (this.drains.again() && Date.now() - this.gaugesAt < GAUGE_REFRESH_MS) return;
    await this.afterDrain();
  }

  /**
   * One `publish <topic>` span per entry, child of the request that wrote it (the row's trace
   * context), ended when the bus acknowledged the batch; the event carries that span's context in
   * its `traceparent`, so the consumer continues the request's trace. Tracing off, the spans are
   * the API's no-op and the events go out as they are.
   */
  private async publish(entries: OutboxEntry[]): Promise<void> {
    const spans = entries.map((entry) =>
      tracer.startSpan(
        `publish ${this.topic}`,
        { kind: SpanKind.PRODUCER, attributes: eventSpanAttributes(entry.event, this.topic, 'publish') },
        contextFrom(entry.trace),
      ),
    );
    try {
      await this.bus.publish(
        this.topic,
        entries.map((entry, i) => ({ key: entry.key, event: withTraceContext(entry.event, spans[i] as Span) })),
      );
    } catch (error) {
      spans.forEach((span) => failSpan(span, error));
      throw error;
    } finally {
      spans.forEach((span) => span.end());
    }
    const now = Date.now();
    for (const entry of entries) {
      this.metrics?.published.inc({ type: entry.event.type });
      this.metrics?.latency.observe(Math.max(0, now - entry.createdAt.getTime()) / 1000);
    }
  }

  /** Updates the gauges and sets a timer for the next rate-delayed entry. */
  private async afterDrain(): Promise<void> {
    const backlog = await this.updateGauges();
    clearTimeout(this.dueTimer);
    if (backlog.nextDueInMs !== null && !this.stopped) {
      this.dueTimer = setTimeout(() => this.wake(), Math.ceil(backlog.nextDueInMs) + 1);
      this.dueTimer.unref();
    }
  }

  private async updateGauges() {
    this.gaugesAt = Date.now();
    const backlog = await this.outbox.backlog();
    this.metrics?.pending.set(backlog.pending);
    this.metrics?.lag.set((backlog.oldestAgeMs ?? 0) / 1000);
    return backlog;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
