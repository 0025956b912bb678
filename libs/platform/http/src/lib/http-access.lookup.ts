import { describeZodError } from '@shopnest/contracts';
import { Dispatcher, Pool } from 'undici';
import { z } from 'zod';
import { TtlCache } from './ttl-cache';

/** How the edge reaches a service's internal access endpoint. */
export interface HttpAccessOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:3001`. */
  baseUrl: string;
  /** A JWT with role `service`, sent as `Authorization: Bearer`. */
  serviceToken: string;
  timeoutMs?: number;
  /** How long a found resource's access is reused. */
  hitTtlMs?: number;
  /** How long "no such resource" is reused; short, so a just-created one is soon visible. */
  missTtlMs?: number;
  maxEntries?: number;
  /**
   * With an endpoint's bulk form: how many bulk requests may be in flight at once. Misses beyond
   * wait, and go out together in the next request that has room.
   */
  maxConcurrentBulkRequests?: number;
}

/** Raised when the service cannot answer; never means "no such resource". */
export class AccessLookupUnavailable extends Error {
  override readonly name = 'AccessLookupUnavailable';
}

/** What one internal access endpoint serves: its name in errors, its path, and its body's schema. */
export interface AccessEndpoint<T> {
  /** e.g. `order`, in `order access lookup at <url> failed: ...`. */
  resource: string;
  path: (id: string) => string;
  schema: z.ZodType<T>;
  /**
   * The endpoint's bulk form, if it has one: `POST path` with `{ ids }` answering
   * `{ access: { [id]: T | null } }`. Then concurrent cache misses are coalesced into one request.
   */
  bulk?: { path: string; maxIds: number; schema: z.ZodType<{ access: Record<string, T | null> }> };
}

interface Waiting<T> {
  id: string;
  /** `performance.now()` when it began to wait. */
  since: number;
  resolve: (access: T | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Asks a service's internal access endpoint over HTTP (an undici connection pool of keep-alive
 * sockets; not `fetch`, whose web streams and abort signals cost the edge about 15 % of its CPU
 * in a connect storm), with a timeout, a short bounded cache of hits and misses, and one request
 * in flight per id however many sockets ask at once. 404 answers `null`; anything else that is not a valid 200 rejects with
 * {@link AccessLookupUnavailable}, and failures are not cached.
 *
 * When the endpoint has a bulk form, the cache misses of one event-loop turn go out as one bulk
 * request (up to its `maxIds`), at most `maxConcurrentBulkRequests` at once: a reconnect storm
 * of thousands of sockets costs the service a few dozen requests instead of one per order. A bulk
 * answer must name every id asked for; a failed or incomplete one fails each of its ids.
 *
 * @example
 * const orders = new HttpAccessLookup({ resource: 'order', path: orderAccessPath, schema: orderAccessSchema }, options);
 * await orders.find('o-42'); // { customerId: 'user-1', courierId: null } | null
 */
export class HttpAccessLookup<T> {
  private readonly cache: TtlCache<string, T | null>;
  private readonly pool: Pool;
  /** The base URL's path, put before each endpoint path (a service behind a path prefix). */
  private readonly basePath: string;
  private readonly inFlight = new Map<string, Promise<T | null>>();
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly hitTtlMs: number;
  private readonly missTtlMs: number;
  private readonly maxConcurrentBulk: number;
  private waiting: Waiting<T>[] = [];
  private drainScheduled = false;
  private bulkInFlight = 0;

  constructor(
    private readonly endpoint: AccessEndpoint<T>,
    private readonly options: HttpAccessOptions,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const base = new URL(this.baseUrl);
    this.basePath = base.pathname.replace(/\/+$/, '');
    // No connection limit, as fetch had none (bulk requests are bounded by maxConcurrentBulkRequests);
    // idle keep-alive sockets never hold the process open, so nothing needs closing at shutdown.
    this.pool = new Pool(base.origin);
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.hitTtlMs = options.hitTtlMs ?? 5_000;
    this.missTtlMs = options.missTtlMs ?? 1_000;
    this.cache = new TtlCache(options.maxEntries ?? 10_000);
    this.maxConcurrentBulk = options.maxConcurrentBulkRequests ?? 4;
  }

  find(id: string): Promise<T | null> {
    const cached = this.cache.get(id);
    if (cached) return Promise.resolve(cached.value);
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    const request = (this.endpoint.bulk ? this.enqueue(id) : this.fetchAccess(id))
      .then((access) => {
        this.cache.set(id, access, access ? this.hitTtlMs : this.missTtlMs);
        return access;
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, request);
    return request;
  }

  private fetchAccess(id: string): Promise<T | null> {
    return this.request(this.endpoint.path(id), undefined, this.endpoint.schema, true);
  }

  private enqueue(id: string): Promise<T | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, since: performance.now(), resolve, reject });
      if (this.drainScheduled) return;
      this.drainScheduled = true;
      // setImmediate: after the I/O callbacks of this turn, so every subscribe read in it is in.
      setImmediate(() => {
        this.drainScheduled = false;
        this.drain();
      });
    });
  }

  /** Sends waiting ids in bulk requests while there is room; each finished request drains again. */
  private drain(): void {
    const bulk = this.endpoint.bulk as NonNullable<AccessEndpoint<T>['bulk']>;
    // A miss that waited a whole timeout for room (the service is slow) fails now rather than
    // waiting on: no caller waits much more than twice the timeout.
    const expired = performance.now() - this.timeoutMs;
    if (this.waiting.length > 0 && this.waiting[0].since <= expired) {
      const stale = new AccessLookupUnavailable(
        `${this.endpoint.resource} access lookup at ${this.baseUrl}${bulk.path} failed: no room within ${this.timeoutMs} ms (${this.maxConcurrentBulk} requests in flight)`,
      );
      const still = this.waiting.filter((entry) => entry.since > expired);
      for (const entry of this.waiting) if (entry.since <= expired) entry.reject(stale);
      this.waiting = still;
    }
    while (this.waiting.length > 0 && this.bulkInFlight < this.maxConcurrentBulk) {
      const batch = this.waiting.splice(0, bulk.maxIds);
      const ids = batch.map((entry) => entry.id);
      this.bulkInFlight++;
      this.request(bulk.path, { ids }, bulk.schema, false)
        .then(
          (body) => {
            const answers = (body as { access: Record<string, T | null> }).access;
            const missing = ids.filter((id) => !Object.hasOwn(answers, id));
            // Built only when needed: an Error captures a stack, which every answer would pay for.
            const incomplete =
              missing.length === 0
                ? undefined
                : new AccessLookupUnavailable(
                    `${this.endpoint.resource} access lookup at ${this.baseUrl}${bulk.path} left out ${missing.length} of ${ids.length} ids`,
                  );
            for (const entry of batch) {
              if (Object.hasOwn(answers, entry.id)) entry.resolve(answers[entry.id] ?? null);
              else entry.reject(incomplete);
            }
          },
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.bulkInFlight--;
          this.drain();
        });
    }
  }

  /**
   * One request to the service: GET `path`, or POST `body` as JSON. `notFoundIsNull`: a 404 answers
   * `null` (the single endpoint); for the bulk one, a 404 means the service does not have it yet.
   */
  private async request<B>(
    path: string,
    body: object | undefined,
    schema: z.ZodType<B>,
    notFoundIsNull: boolean,
  ): Promise<B | null> {
    const url = `${this.baseUrl}${path}`;
    const failed = (reason: string) =>
      new AccessLookupUnavailable(`${this.endpoint.resource} access lookup at ${url} ${reason}`);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({
        method: body ? 'POST' : 'GET',
        path: `${this.basePath}${path}`,
        headers: {
          authorization: `Bearer ${this.options.serviceToken}`,
          accept: 'application/json',
          ...(body && { 'content-type': 'application/json' }),
        },
        ...(body && { body: JSON.stringify(body) }),
        // Timers instead of an AbortSignal per request: the answer's head, then each pause in its body.
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      throw failed(`failed: ${describe(error, this.timeoutMs)}`);
    }
    const { statusCode } = response;
    if (statusCode < 200 || statusCode > 299) {
      await response.body.dump().catch(() => undefined);
      if (statusCode === 404 && notFoundIsNull) return null;
      throw failed(`answered HTTP ${statusCode}`);
    }
    let json: unknown;
    try {
      json = await response.body.json();
    } catch (error) {
      if (isTimeout(error)) throw failed(`failed: ${describe(error, this.timeoutMs)}`);
      throw failed(`sent a body that is not JSON: ${describe(error, this.timeoutMs)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw failed(`sent an unexpected body: ${describeZodError(parsed.error)}`);
    return parsed.data;
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function isTimeout(error: unknown): boolean {
  return TIMEOUT_CODES.has(String((error as { code?: unknown } | null)?.code));
}

function describe(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) return `no answer within ${timeoutMs} ms`;
  return error instanceof Error ? error.message : String(error);
}
