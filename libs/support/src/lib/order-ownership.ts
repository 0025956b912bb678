import { describeZodError, orderAccessPath, orderAccessSchema } from '@shopnest/contracts';

/**
 * Answers who owns an order, so a customer can open a ticket only about their own orders.
 *
 * Guarantees: `null` means no such order; any other failure (order-tracking down, a timeout, a
 * bad answer) rejects, so an outage is never mistaken for "not yours".
 *
 * @example
 * await ownership.customerOf('0193...') // 'user-42' | null
 */
export abstract class OrderOwnership {
  abstract customerOf(orderId: string): Promise<string | null>;
}

/** Raised when order-tracking cannot answer; never means "not yours". */
export class OrderOwnershipUnavailable extends Error {
  override readonly name = 'OrderOwnershipUnavailable';
}

/** Asks order-tracking's internal access endpoint (Node's fetch, a `service` token, a timeout). */
export class HttpOrderOwnership extends OrderOwnership {
  private readonly baseUrl: string;

  constructor(
    private readonly options: { baseUrl: string; serviceToken: string; timeoutMs?: number },
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {
    super();
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async customerOf(orderId: string): Promise<string | null> {
    const url = `${this.baseUrl}${orderAccessPath(orderId)}`;
    const timeoutMs = this.options.timeoutMs ?? 2_000;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { authorization: `Bearer ${this.options.serviceToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      throw new OrderOwnershipUnavailable(
        `order lookup at ${url} failed: ${timedOut ? `no answer within ${timeoutMs} ms` : String(error)}`,
      );
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new OrderOwnershipUnavailable(`order lookup at ${url} answered ${response.status}`);
    }
    const parsed = orderAccessSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new OrderOwnershipUnavailable(
        `order lookup at ${url}: unexpected body (${describeZodError(parsed.error)})`,
      );
    }
    return parsed.data.customerId;
  }
}

/** Owners from a map: unit tests. */
export class InMemoryOrderOwnership extends OrderOwnership {
  constructor(readonly owners = new Map<string, string>()) {
    super();
  }

  async customerOf(orderId: string): Promise<string | null> {
    return this.owners.get(orderId) ?? null;
  }
}
