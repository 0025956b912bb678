import { describeZodError } from '@shopnest/contracts';
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
}

/**
 * Asks a service's internal access endpoint over HTTP (Node's fetch), with a timeout, a short
 * bounded cache of hits and misses, and one request in flight per id however many sockets ask at
 * once. 404 answers `null`; anything else that is not a valid 200 rejects with
 * {@link AccessLookupUnavailable}, and failures are not cached.
 *
 * @example
 * const orders = new HttpAccessLookup({ resource: 'order', path: orderAccessPath, schema: orderAccessSchema }, options);
 * await orders.find('o-42'); // { customerId: 'user-1', courierId: null } | null
 */
export class HttpAccessLookup<T> {
  private readonly cache: TtlCache<string, T | null>;
  private readonly inFlight = new Map<string, Promise<T | null>>();
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly hitTtlMs: number;
  private readonly missTtlMs: number;

  constructor(
    private readonly endpoint: AccessEndpoint<T>,
    private readonly options: HttpAccessOptions,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.hitTtlMs = options.hitTtlMs ?? 5_000;
    this.missTtlMs = options.missTtlMs ?? 1_000;
    this.cache = new TtlCache(options.maxEntries ?? 10_000);
  }

  find(id: string): Promise<T | null> {
    const cached = this.cache.get(id);
    if (cached) return Promise.resolve(cached.value);
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    const request = this.fetchAccess(id)
      .then((access) => {
        this.cache.set(id, access, access ? this.hitTtlMs : this.missTtlMs);
        return access;
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, request);
    return request;
  }

  private async fetchAccess(id: string): Promise<T | null> {
    const url = `${this.baseUrl}${this.endpoint.path(id)}`;
    const failed = (reason: string) =>
      new AccessLookupUnavailable(`${this.endpoint.resource} access lookup at ${url} ${reason}`);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { authorization: `Bearer ${this.options.serviceToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // fetch rejects with a DOMException named TimeoutError, which is not always `instanceof Error`.
      const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      throw failed(`failed: ${timedOut ? `no answer within ${this.timeoutMs} ms` : describe(error)}`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw failed(`answered HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw failed(`sent a body that is not JSON: ${describe(error)}`);
    }
    const parsed = this.endpoint.schema.safeParse(body);
    if (!parsed.success) throw failed(`sent an unexpected body: ${describeZodError(parsed.error)}`);
    return parsed.data;
  }
}

/** fetch hides the network reason (ECONNREFUSED, ...) in `cause`. */
function describe(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { message?: unknown } };
  if (typeof message !== 'string') return String(error);
  return typeof cause?.message === 'string' ? `${message} (${cause.message})` : message;
}
