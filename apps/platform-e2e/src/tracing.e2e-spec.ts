import { Delivery, ORDER_EVENT_TYPES, OrderStatusChanged } from '@shopnest/contracts';
import { freePort, runId, signTestToken, waitFor } from '@shopnest/testing';
import { createServer, Server } from 'node:http';
import { Clients, createOrder, Platform, send, setStatus, startPlatform } from './support/platform';

/** One span as an OTLP/HTTP JSON export carries it, with its service. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: Omit<ReceivedSpan, 'service'>[] }[];
  }[];
}

/** A tiny OTLP/HTTP receiver (JSON encoding): what a collector would get from the services. */
async function startReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.headers['content-type']?.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson;
        for (const resourceSpans of body.resourceSpans ?? []) {
          const service = resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) spans.push({ ...span, service: service ?? '?' });
          }
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        response.writeHead(415).end();
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}`, spans };
}

const SERVER = 2; // OTLP span kinds: 2 server, 4 producer, 5 consumer
const PRODUCER = 4;
const CONSUMER = 5;

/**
 * Tracing on (OTLP/HTTP JSON to the receiver above): one status change, from the REST request to
 * the socket delivery, is one trace across order-tracking, notification-worker and
 * connection-edge, each hop the child of the one before.
 */
describe('tracing across the services', () => {
  const run = runId();
  const clients = new Clients();
  let platform: Platform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform(run, [{ name: 'edge-1' }], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
  });

  afterAll(async () => {
    clients.closeAll();
    await platform?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('follows PATCH /orders/:id/status → outbox → Kafka → worker → Redis → edge as one trace', async () => {
    const customer = signTestToken(`u-${run}`);
    const order = await createOrder(platform, customer);
    const socket = await clients.connect(platform.edges[0] as Platform['edges'][number], customer);
    const channel = `order:${order.id}`;
    expect(await send(socket, 'subscribe', { channel })).toMatchObject({ ok: true });
    // The order channel's copy: the change reaches the customer's own user:{id} channel too.
    const delivered = new Promise<Delivery<OrderStatusChanged>>((resolve) =>
      socket.on(ORDER_EVENT_TYPES.statusChanged, (delivery: Delivery<OrderStatusChanged>) => {
        if (delivery.channel === channel) resolve(delivery);
      }),
    );

    await setStatus(platform, order.id, 'confirmed');
    const { event } = await delivered;

    // The socket's copy carries the worker's publish span in the CloudEvents tracing extension.
    expect(event.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, workerSpanId] = (event.traceparent as string).split('-');
    const inTrace = () => receiver.spans.filter((span) => span.traceId === traceId);
    const find = (service: string, name: string | RegExp) =>
      inTrace().find(
        (span) => span.service === service && (typeof name === 'string' ? span.name === name : name.test(span.name)),
      );
    // The topic as the services name it (with or without the run's prefix).
    const topic = /^(publish|process) (\S+\.)?shopnest\.orders\.v1$/;
    const chainOf = () => ({
      request: inTrace().find((span) => span.service === 'order-tracking' && span.kind === SERVER),
      relay: find('order-tracking', topic),
      processing: find('notification-worker', topic),
      // The publish span whose context the delivered copy carries.
      push: inTrace().find((span) => span.spanId === workerSpanId && span.name === `publish ${channel}`),
      delivery: find('connection-edge', `deliver ${channel}`),
    });
    const missingOf = () => Object.entries(chainOf()).filter(([, span]) => span === undefined);
    // Each service exports on its own schedule: wait for all of them (the assertion below names what never came).
    await waitFor(() => missingOf().length === 0, 15_000).catch(() => undefined);
    const seen = receiver.spans.map((span) => `${span.service}: ${span.name} (${span.traceId})`);
    expect({ missing: missingOf(), seen }).toEqual({ missing: [], seen });
    const { request, relay, processing, push, delivery } = chainOf();

    // Each hop is the child of the one before, from the REST request (the trace's root) on.
    expect(request?.parentSpanId ?? '').toBe('');
    expect(relay).toMatchObject({ kind: PRODUCER, parentSpanId: request?.spanId });
    expect(processing).toMatchObject({ kind: CONSUMER, parentSpanId: relay?.spanId });
    expect(push).toMatchObject({ kind: PRODUCER, parentSpanId: processing?.spanId, spanId: workerSpanId });
    expect(delivery).toMatchObject({ kind: CONSUMER, parentSpanId: push?.spanId });
    expect(new Set(inTrace().map((span) => span.service))).toEqual(
      new Set(['order-tracking', 'notification-worker', 'connection-edge']),
    );
  });
});
