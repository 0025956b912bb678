import { OrderAccess, orderAccessPath, orderAccessSchema } from '@shopnest/contracts';
import { HttpAccessLookup, HttpAccessOptions } from '../access/http-access.lookup';
import { OrderAccessLookup } from './order-access.port';

/** order-tracking's base URL and the edge's service token; see {@link HttpAccessOptions}. */
export type HttpOrderAccessOptions = HttpAccessOptions;

/**
 * Asks order-tracking's internal `GET /internal/orders/:orderId/access` (see {@link HttpAccessLookup}:
 * timeout, short cache, one request per order in flight); rejects with `AccessLookupUnavailable`.
 */
export class HttpOrderAccessLookup extends OrderAccessLookup {
  private readonly http: HttpAccessLookup<OrderAccess>;

  constructor(options: HttpOrderAccessOptions, fetchImpl?: typeof fetch) {
    super();
    this.http = new HttpAccessLookup(
      { resource: 'order', path: orderAccessPath, schema: orderAccessSchema },
      options,
      fetchImpl,
    );
  }

  find(orderId: string): Promise<OrderAccess | null> {
    return this.http.find(orderId);
  }
}
