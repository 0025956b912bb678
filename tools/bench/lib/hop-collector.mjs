// @ts-check
// A minimal OTLP/HTTP JSON trace receiver for the end-to-end scenario: our services export the
// spans they already make (order-tracking's HTTP server span, the relay's `publish <topic>`, the
// worker's `process <topic>` and `publish <channel>`, the edge's `deliver <room>`), and the harness
// turns each event's spans into per-hop durations, so a missed target names its hop. Nothing is
// added to the services: tracing is their standard `OTEL_*` configuration.
import { createServer } from 'node:http';
import { percentiles, round } from './stats.mjs';

// OTLP span kinds (opentelemetry-proto trace.proto).
const SERVER = 2;
const PRODUCER = 4;

/**
 * What one trace (one status change) tells about its event's path, in epoch milliseconds.
 * @typedef {{ received?: number, claimed?: number, acked?: number, workerReceived?: number, pushed?: number, edgeEmitted?: number }} TraceTimes
 */

/** The hops, in path order: [label, from, to]; `sent`, `eventTime` and `clientReceived` come from the harness. */
export const HOPS = /** @type {const} */ ([
  ['PATCH sent → order-tracking received it (HTTP server span start)', 'sent', 'received'],
  ['received → event `time` (set as the change is saved, ms resolution)', 'received', 'eventTime'],
  ['event `time` → relay claimed it (relay `publish` span start)', 'eventTime', 'claimed'],
  ['relay claimed → Kafka acked (relay `publish` span end)', 'claimed', 'acked'],
  ['Kafka acked → worker received (`process` span start)', 'acked', 'workerReceived'],
  ['worker received → history appended + published to Redis (`publish user:…` span end)', 'workerReceived', 'pushed'],
  ['Redis → edge emitted to the room (`deliver user:…` span)', 'pushed', 'edgeEmitted'],
  ['edge emitted → client received', 'edgeEmitted', 'clientReceived'],
]);

/** @param {unknown} nanos OTLP JSON times: a decimal string (or a number) of Unix nanoseconds */
const ms = (nanos) => {
  if (typeof nanos === 'number') return nanos / 1e6;
  if (typeof nanos === 'string' && /^\d+$/.test(nanos)) return Number(BigInt(nanos) / 1000n) / 1000;
  return NaN;
};

/** @param {{ key: string, value: Record<string, unknown> }[] | undefined} attributes @param {string} key */
const attribute = (attributes, key) => {
  const found = attributes?.find((a) => a.key === key)?.value;
  return found === undefined ? undefined : String(found['stringValue'] ?? found['intValue'] ?? '');
};

export class HopCollector {
  /** @private */
  constructor() {
    /** @type {Map<string, TraceTimes>} trace id → times */
    this.traces = new Map();
    /** @type {Map<string, string>} event id → trace id */
    this.traceOfEvent = new Map();
    this.spans = 0;
    this.url = '';
    /** @type {import('node:http').Server | undefined} */
    this.server = undefined;
  }

  /** Listens on a free loopback port; `env` is what a service needs to export its spans here. */
  static async start() {
    const collector = new HopCollector();
    const server = createServer((req, res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        try {
          collector.ingest(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          res.writeHead(400).end(String(error));
        }
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
    const address = server.address();
    collector.server = server;
    collector.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return collector;
  }

  /**
   * The `OTEL_*` environment that sends a service's spans here as OTLP/HTTP JSON. The batch span
   * processor's queue is raised (default 2,048 spans, dropped past that: ~8 spans per event at
   * 1,000 events/s would overflow it) and flushed every 200 ms so the spans arrive during the run.
   */
  get env() {
    return {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${this.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_BSP_MAX_QUEUE_SIZE: '200000',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
  }

  /** Forgets what was collected (between the rates of one run). */
  reset() {
    this.traces.clear();
    this.traceOfEvent.clear();
    this.spans = 0;
  }

  /** @param {any} body an `ExportTraceServiceRequest` in OTLP JSON */
  ingest(body) {
    for (const resourceSpans of body?.resourceSpans ?? [])
      for (const scopeSpans of resourceSpans?.scopeSpans ?? [])
        for (const span of scopeSpans?.spans ?? [])
          this.record(span, attribute(resourceSpans?.resource?.attributes, 'service.name') ?? '');
  }

  /** @private @param {any} span @param {string} service */
  record(span, service) {
    this.spans++;
    const traceId = String(span.traceId);
    let times = this.traces.get(traceId);
    if (!times) this.traces.set(traceId, (times = {}));
    const name = String(span.name ?? '');
    const start = ms(span.startTimeUnixNano);
    const end = ms(span.endTimeUnixNano);
    const eventId = attribute(span.attributes, 'cloudevents.event_id');
    if (eventId) this.traceOfEvent.set(eventId, traceId);
    // The first server span of the trace is order-tracking's PATCH (nothing upstream is traced).
    if (span.kind === SERVER && (times.received === undefined || start < times.received)) times.received = start;
    else if (span.kind === PRODUCER && service === 'order-tracking') {
      times.claimed = start;
      times.acked = end;
    } else if (name.startsWith('process ')) times.workerReceived = start;
    else if (name.startsWith('publish user:')) times.pushed = end;
    else if (name.startsWith('deliver user:')) times.edgeEmitted = Math.min(times.edgeEmitted ?? Infinity, start);
  }

  /**
   * Per-hop percentiles over the events whose every hop was seen.
   * @param {{ eventId: string, sent: number, eventTime: number, clientReceived: number }[]} arrivals
   */
  hops(arrivals) {
    /** @type {number[][]} */
    const durations = HOPS.map(() => []);
    let complete = 0;
    for (const arrival of arrivals) {
      const traceId = this.traceOfEvent.get(arrival.eventId);
      const times = traceId ? this.traces.get(traceId) : undefined;
      if (!times) continue;
      /** @type {Record<string, number | undefined>} */
      const at = { ...times, sent: arrival.sent, eventTime: arrival.eventTime, clientReceived: arrival.clientReceived };
      if (!HOPS.every(([, from, to]) => Number.isFinite(at[from]) && Number.isFinite(at[to]))) continue;
      complete++;
      HOPS.forEach(([, from, to], i) =>
        durations[i].push(round(/** @type {number} */ (at[to]) - /** @type {number} */ (at[from]), 3)),
      );
    }
    return {
      traced: complete,
      of: arrivals.length,
      spans: this.spans,
      hops: HOPS.map(([label], i) => ({ hop: label, ms: percentiles(durations[i]) })),
    };
  }

  async stop() {
    await new Promise((resolve) => this.server?.close(() => resolve(undefined)) ?? resolve(undefined));
  }
}
