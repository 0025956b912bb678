import { describeZodError, OrderAccess, orderAccessPath, orderAccessSchema } from '@shopnest/contracts';
import { OrderAccessLookup } from './order-access.port';
import { TtlCache } from './ttl-cache';

export interface HttpOrderAccessOptions {
  /** order-tracking's base URL, e.g. `http://127.0.0.1:3001`. */
  baseUrl: string;
  /** A JWT with role `service`, sent as `Authorization: Bearer`. */
  serviceToken: string;
  timeoutMs?: number;
  /** How long a found order's access is reused. */
  hitTtlMs?: number;
  /** How long "no such order" is reused; short, so a just-created order is soon visible. */
  missTtlMs?: number;
  maxEntries?: number;
}

/** Raised when order-tracking cannot answer; never means "no such order". */
export class OrderAccessUnavailable extends Error {
  override readonly name = 'OrderAccessUnavailable';
}

/**
 * Asks order-tracking's internal endpoint over HTTP (Node's fetch), with a timeout, a short
 * bounded cache, and one request in flight per order however many sockets ask at once.
 */
export class HttpOrderAccessLookup extends OrderAccessLookup {
  private readonly cache: TtlCache<string, OrderAccess | null>;
  private readonly inFlight = new Map<string, Promise<OrderAccess | null>>();
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly hitTtlMs: number;
  private readonly missTtlMs: number;

  constructor(
    private readonly options: HttpOrderAccessOptions,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {
    super();
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.hitTtlMs = options.hitTtlMs ?? 5_000;
    this.missTtlMs = options.missTtlMs ?? 1_000;
    this.cache = new TtlCache(options.maxEntries ?? 10_000);
  }

  find(orderId: string): Promise<OrderAccess | null> {
    const cached = this.cache.get(orderId);
    if (cached) return Promise.resolve(cached.value);
    const pending = this.inFlight.get(orderId);
    if (pending) return pending;
    const request = this.fetchAccess(orderId)
      .then((access) => {
        this.cache.set(orderId, access, access ? this.hitTtlMs : this.missTtlMs);
        return access;
      })
      .finally(() => this.inFlight.delete(orderId));
    this.inFlight.set(orderId, request);
    return request;
  }

  private async fetchAccess(orderId: string): Promise<OrderAccess | null> {
    const url = `${this.baseUrl}${orderAccessPath(orderId)}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { authorization: `Bearer ${this.options.serviceToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // fetch rejects with a DOMException named TimeoutError, which is not always `instanceof Error`.
      const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : describe(error);
      throw new OrderAccessUnavailable(`order access lookup at ${url} failed: ${reason}`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new OrderAccessUnavailable(`order access lookup at ${url} answered HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new OrderAccessUnavailable(
        `order access lookup at ${url} sent a body that is not JSON: ${describe(error)}`,
      );
    }
    const parsed = orderAccessSchema.safeParse(body);
    if (!parsed.success) {
      throw new OrderAccessUnavailable(
        `order access lookup at ${url} sent an unexpected body: ${describeZodError(parsed.error)}`,
      );
    }
    return parsed.data;
  }
}

/** fetch hides the network reason (ECONNREFUSED, ...) in `cause`. */
function describe(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { message?: unknown } };
  if (typeof message !== 'string') return String(error);
  return typeof cause?.message === 'string' ? `${message} (${cause.message})` : message;
}
