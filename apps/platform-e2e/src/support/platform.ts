import { Ack, ConnectErrorData, OrderStatus } from '@shopnest/contracts';
import { freePort, ServiceProcess, signTestToken, startService, TEST_JWT_ENV } from '@shopnest/testing';
import { io, ManagerOptions, Socket, SocketOptions } from 'socket.io-client';

/** The services of one end-to-end run: order-tracking, a notification worker, some edges and (when asked) support-desk. */
export interface Platform {
  orders: ServiceProcess;
  support?: ServiceProcess;
  worker: ServiceProcess;
  edges: ServiceProcess[];
  /** Stops every service (SIGTERM); resolves with their exit codes. */
  stop(): Promise<Array<number | null>>;
  /** Every service's recent output, for failure messages. */
  output(): string;
}

export interface EdgeSpec {
  name: string;
  /** Extra environment (limits, ...) on top of the shared JWT/Redis/order-tracking settings. */
  env?: Record<string, string>;
}

/** Servers of a run: the shared ones (KAFKA_BROKERS, REDIS_URL from the environment) unless a test brings its own. */
export interface PlatformInfra {
  kafkaBrokers?: string;
  redisUrl?: string;
  /** order-tracking's PostgreSQL (a fresh schema of the run); unset: embedded PGlite. */
  databaseUrl?: string;
  /** Whether to start support-desk too (its tickets in the same database, a schema of their own). */
  support?: boolean;
  /** Added to every service's environment (e.g. the `OTEL_*` keys of a tracing run). */
  env?: Record<string, string>;
  /** Extra environment of the notification-worker. */
  workerEnv?: Record<string, string>;
}

/**
 * The notification-worker's inbox database of a run: a schema of its own on the shared PostgreSQL
 * (the int-test setup's `DATABASE_URL`), or PGlite in memory without one.
 */
export function inboxDatabaseEnv(run: string, databaseUrl = process.env['DATABASE_URL']): Record<string, string> {
  return databaseUrl
    ? { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: `e2e_${run.replace(/\W/g, '_').toLowerCase()}_inbox` }
    : { DATABASE: 'pglite' };
}

/** The environment of each service of a run: a fresh Kafka namespace, Redis prefix and schema of `run`. */
export function platformEnv(run: string, infra: PlatformInfra = {}) {
  const kafka = {
    EVENT_BUS: 'kafka',
    KAFKA_BROKERS: infra.kafkaBrokers ?? (process.env['KAFKA_BROKERS'] as string),
    KAFKA_TOPIC_PREFIX: `e2e-${run}.`,
  };
  const redis = {
    REDIS_URL: infra.redisUrl ?? (process.env['REDIS_URL'] as string),
    SOCKET_IO_KEY: `e2e:${run}`,
    HISTORY_KEY_PREFIX: `e2e:${run}:history:`,
  };
  const database: Record<string, string> = infra.databaseUrl
    ? { DATABASE_URL: infra.databaseUrl, DATABASE_SCHEMA: `e2e_${run}` }
    : { DATABASE: 'pglite' };
  const serviceToken = signTestToken('connection-edge', { roles: ['service'] });
  // The processes' ops.stats reports would count as deliveries on ops:orders, which these tests count
  // exactly; a test of the reports turns them on through `env` or `workerEnv`.
  const quiet = { OPS_STATS_INTERVAL_MS: '0' };
  const extra = infra.env ?? {};
  return {
    orders: { ...TEST_JWT_ENV, ...kafka, ...database, ...extra },
    support: (ordersUrl: string) => ({
      ...extra,
      ...TEST_JWT_ENV,
      ...kafka,
      ...database,
      ...(infra.databaseUrl && { DATABASE_SCHEMA: `e2e_${run}_support` }),
      ORDER_TRACKING_URL: ordersUrl,
      SERVICE_TOKEN: serviceToken,
    }),
    // A fresh topic per run, so reading it from the beginning sees exactly this run's events.
    worker: {
      ...quiet,
      ...extra,
      ...TEST_JWT_ENV,
      ...kafka,
      ...redis,
      ...inboxDatabaseEnv(run, infra.databaseUrl),
      CONSUMER_FROM_BEGINNING: 'true',
      CONSUMER_GROUP: `e2e-${run}`,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...infra.workerEnv,
    },
    edge: (ordersUrl: string, supportUrl?: string) => ({
      ...quiet,
      ...extra,
      ...TEST_JWT_ENV,
      ...redis,
      RATE_LIMIT_KEY_PREFIX: `e2e:${run}:rl:`,
      REVOCATION_KEY_PREFIX: `e2e:${run}:revoked:`,
      PRESENCE_KEY_PREFIX: `e2e:${run}:presence:`,
      ORDER_TRACKING_URL: ordersUrl,
      ...(supportUrl && { SUPPORT_DESK_URL: supportUrl }),
      SERVICE_TOKEN: serviceToken,
    }),
  };
}

/** How long a service may take to be ready: a busy CI machine (2 cores, several test runs) needs the slack. */
export const READY_TIMEOUT_MS = 60_000;

/**
 * Starts order-tracking and a notification worker on a fresh Kafka namespace and Redis prefix
 * of `run`, then the edges, as the deployed processes (dist/apps/*).
 */
export async function startPlatform(run: string, edgeSpecs: EdgeSpec[], infra: PlatformInfra = {}): Promise<Platform> {
  const services: ServiceProcess[] = [];
  const stop = () => Promise.all(services.map((service) => service.stop()));
  const env = platformEnv(run, infra);
  try {
    const orders = await startService({
      app: 'order-tracking',
      port: await freePort(),
      env: env.orders,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    services.push(orders);
    const support = infra.support
      ? await startService({
          app: 'support-desk',
          port: await freePort(),
          env: env.support(orders.url),
          readyTimeoutMs: READY_TIMEOUT_MS,
        })
      : undefined;
    if (support) services.push(support);
    const worker = await startService({
      app: 'notification-worker',
      port: await freePort(),
      env: env.worker,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    services.push(worker);
    const edges: ServiceProcess[] = [];
    for (const spec of edgeSpecs) {
      edges.push(
        await startService({
          app: 'connection-edge',
          name: spec.name,
          port: await freePort(),
          env: { ...env.edge(orders.url, support?.url), ...spec.env },
          readyTimeoutMs: READY_TIMEOUT_MS,
        }),
      );
      services.push(edges[edges.length - 1]);
    }
    return {
      orders,
      support,
      worker,
      edges,
      stop,
      output: () => services.map((s) => `--- ${s.name}\n${s.output()}`).join('\n'),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The status `/health/ready` answers with (0 when it does not answer within 5 s). */
export async function readiness(service: ServiceProcess): Promise<number> {
  try {
    return (await fetch(`${service.url}/health/ready`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
}

type ConnectError = Error & { data?: ConnectErrorData & { retryAfterMs?: number } };

/** socket.io clients of a test, closed together. */
export class Clients {
  private readonly sockets: Socket[] = [];

  open(edge: ServiceProcess, token?: string, options: Partial<ManagerOptions & SocketOptions> = {}): Socket {
    const socket = io(edge.url, {
      auth: token ? { token } : {},
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...options,
    });
    this.sockets.push(socket);
    return socket;
  }

  /** Resolves once connected; rejects with the `connect_error`. */
  async connect(edge: ServiceProcess, token: string): Promise<Socket> {
    const { socket, error } = await outcome(this.open(edge, token));
    if (error) throw error;
    return socket;
  }

  closeAll(): void {
    for (const socket of this.sockets.splice(0)) socket.close();
  }
}

/** How a connection attempt ended. */
export function outcome(socket: Socket): Promise<{ socket: Socket; error?: ConnectError }> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error: ConnectError) => resolve({ socket, error }));
  });
}

export const send = <T extends object = object>(socket: Socket, event: string, ...args: unknown[]): Promise<Ack<T>> =>
  socket.timeout(10_000).emitWithAck(event, ...args);

/** Creates an order as the token's customer over REST. */
export async function createOrder(platform: Platform, token: string): Promise<{ id: string }> {
  const response = await fetch(`${platform.orders.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ itemsSummary: '1 × tea', totalCents: 900 }),
  });
  if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string };
}

/** Moves an order to `status` as ops over REST. */
export async function setStatus(platform: Platform, orderId: string, status: OrderStatus): Promise<void> {
  const request = () =>
    fetch(`${platform.orders.url}/orders/${orderId}/status`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${signTestToken('ops-e2e', { roles: ['ops'] })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ status }),
    });
  // A server whose event loop stalled past its keep-alive timeout (a starved CI machine) closes the
  // idle connection just as the request goes out on it; it never read the request, so send it again.
  const response = await request().catch((error: unknown) => {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
    return request();
  });
  if (response.status !== 200)
    throw new Error(`PATCH status ${status} answered ${response.status}: ${await response.text()}`);
}

/** A call to support-desk's REST API as `token`; the body parsed when there is one. */
export async function supportCall(platform: Platform, method: string, path: string, token: string, body?: unknown) {
  if (!platform.support) throw new Error('support-desk was not started (startPlatform(..., { support: true }))');
  const response = await fetch(`${platform.support.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}
