import { InMemoryEventBus, OutgoingEvent } from '@shopnest/platform-event-bus';
import { MetricsService } from '@shopnest/platform-observability';
import { recordSpans, testEnvelope, waitFor } from '@shopnest/testing';
import { trace } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { InMemoryOutbox } from './memory/in-memory-outbox';
import { OutboxRelay } from './outbox-relay';

const TOPIC = 'shopnest.test.v1';

describe('OutboxRelay', () => {
  let outbox: InMemoryOutbox;
  let bus: InMemoryEventBus;
  let sent: { topic: string; events: OutgoingEvent[] }[];
  let relay: OutboxRelay;
  let metrics: MetricsService;

  beforeEach(() => {
    outbox = new InMemoryOutbox();
    bus = new InMemoryEventBus();
    sent = [];
    metrics = new MetricsService('test');
    // A long sweep: whatever goes out fast was woken by the commit, not found by the sweep.
    relay = new OutboxRelay(outbox, bus, TOPIC, { sweepIntervalMs: 60_000, retryMinMs: 20, retryMaxMs: 100 }, metrics);
  });

  afterEach(async () => {
    await relay.stop();
    await bus.close();
  });

  /** Two commits of one aggregate: `created`, then `changed`. */
  const change = async () => {
    const key = randomUUID();
    outbox.append(key, { ...testEnvelope(key, 1), type: 'test.created' });
    outbox.append(key, { ...testEnvelope(key, 2), type: 'test.changed' });
    return key;
  };
  const metric = async (name: string) =>
    (await metrics.registry.getSingleMetricAsString(`shopnest_${name}`)).split('\n');

  it('publishes each commit to its topic, keyed by the entry key, as soon as it commits', async () => {
    jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => void sent.push({ topic, events }));
    await relay.start();
    const key = await change();
    await waitFor(() => sent.flatMap((s) => s.events).length === 2, 2000);
    expect(sent.every((s) => s.topic === TOPIC)).toBe(true);
    expect(sent.flatMap((s) => s.events).map((e) => [e.key, e.event.type])).toEqual([
      [key, 'test.created'],
      [key, 'test.changed'],
    ]);
    await waitFor(async () => (await metric('outbox_pending')).some((line) => line.endsWith(' 0')));
    expect(await metric('outbox_published_total')).toContainEqual(expect.stringContaining('type="test.created"'));
    expect((await metric('outbox_publish_latency_seconds')).some((line) => /_count\{.*\} 2$/.test(line))).toBe(true);
  });

  it('ends a drain on a short batch instead of claiming again, and still drains full batches back to back', async () => {
    jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => void sent.push({ topic, events }));
    const claims = jest.spyOn(outbox, 'relay');
    metrics = new MetricsService('test'); // a registry of this relay's own
    relay = new OutboxRelay(outbox, bus, TOPIC, { sweepIntervalMs: 60_000, batchSize: 2 }, metrics);
    // Five entries of five keys before the start: two full batches, then a short one ends the drain.
    for (let i = 0; i < 5; i++) outbox.append(randomUUID(), testEnvelope(randomUUID(), 1));
    await new Promise((resolve) => setImmediate(resolve)); // their commit notifications pass before the relay listens
    await relay.start();
    await waitFor(() => sent.flatMap((s) => s.events).length === 5, 2000);
    await waitFor(async () => (await metric('outbox_pending')).some((line) => line.endsWith(' 0')));
    expect(sent.map((s) => s.events.length)).toEqual([2, 2, 1]);
    // One wake-up (the start), one drain: no fourth, empty claim after the short batch.
    expect(await Promise.all(claims.mock.results.map((r) => r.value))).toEqual([2, 2, 1]);
  });

  it('continues the trace of the request that wrote the entry: a publish span, and its traceparent on the event', async () => {
    const recorded = recordSpans();
    try {
      jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => void sent.push({ topic, events }));
      await relay.start();
      const key = randomUUID();
      // Appended inside the request's span: the row keeps its context, as the SQL adapters' INSERTs do.
      const request = trace.getTracer('test').startActiveSpan('request', (span) => {
        outbox.append(key, testEnvelope(key, 1));
        span.end();
        return span.spanContext();
      });
      await waitFor(() => sent.length === 1, 2000);
      const [publish] = recorded.named(`publish ${TOPIC}`);
      expect(publish?.parentSpanContext?.spanId).toBe(request.spanId);
      expect(publish?.spanContext().traceId).toBe(request.traceId);
      const { traceId, spanId } = publish?.spanContext() ?? {};
      expect(sent[0]?.events[0]?.event.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    } finally {
      await recorded.stop();
    }
  });

  it('publishes events without a traceparent when tracing is off', async () => {
    jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => void sent.push({ topic, events }));
    await relay.start();
    await change();
    await waitFor(() => sent.flatMap((s) => s.events).length === 2, 2000);
    expect(sent.flatMap((s) => s.events).map((e) => e.event.traceparent)).toEqual([undefined, undefined]);
  });

  it('keeps retrying with backoff while the bus fails, then publishes everything once, in order', async () => {
    let failures = 0;
    jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => {
      if (failures < 3) {
        failures += 1;
        throw new Error('broker unreachable');
      }
      sent.push({ topic, events });
    });
    await relay.start();
    const key = await change();
    await waitFor(() => sent.flatMap((s) => s.events).length === 2, 5000);
    expect(failures).toBe(3);
    expect(sent.flatMap((s) => s.events).map((e) => e.event.sequence)).toEqual([1, 2]);
    expect(outbox.entries(key).every((entry) => entry.sentAt !== null)).toBe(true);
    expect((await metric('outbox_publish_failures_total')).some((line) => line.endsWith(' 3'))).toBe(true);
  });

  it('prunes what was published before the retention, in batches, and counts it', async () => {
    jest.spyOn(bus, 'publish').mockResolvedValue();
    const own = new MetricsService('test');
    const options = { retentionMs: 0, pruneBatchSize: 2, sweepIntervalMs: 60_000 };
    const pruning = new OutboxRelay(outbox, bus, TOPIC, options, own);
    await pruning.start();
    const keys = [await change(), await change(), await change()];
    await waitFor(async () => (await outbox.backlog()).pending === 0);
    await new Promise((resolve) => setTimeout(resolve, 5)); // published before "now - 0 ms"
    await pruning.prune();
    expect(keys.flatMap((key) => outbox.entries(key))).toEqual([]);
    const counted = await own.registry.getSingleMetricAsString('shopnest_outbox_pruned_total');
    expect(counted.split('\n')).toContain('shopnest_outbox_pruned_total{service="test"} 6');
    await pruning.stop();
  });

  it('stops cleanly: waits for the batch in flight, then publishes nothing more', async () => {
    let release: () => void = () => undefined;
    jest.spyOn(bus, 'publish').mockImplementation(async (topic, events) => {
      await new Promise<void>((resolve) => (release = resolve));
      sent.push({ topic, events });
    });
    await relay.start();
    await change();
    await waitFor(() => (bus.publish as jest.Mock).mock.calls.length === 1);
    const stopped = relay.stop();
    release();
    await stopped;
    expect(sent).toHaveLength(1);
    await change();
    expect((await outbox.backlog()).pending).toBeGreaterThan(0);
    expect((bus.publish as jest.Mock).mock.calls.length).toBe(1);
  });
});
