import { OrderAccess, orderAccessEndpoint } from '@shopnest/contracts';
import { HttpAccessLookup, HttpAccessOptions } from '@shopnest/platform-http';
import { OrderAccessLookup } from './order-access.port';

/** order-tracking's base URL and the edge's service token; see {@link HttpAccessOptions}. */
export type HttpOrderAccessOptions = HttpAccessOptions;

/** Asks order-tracking's internal `GET /internal/orders/:orderId/access` (see {@link HttpAccessLookup}). */
export class HttpOrderAccessLookup extends HttpAccessLookup<OrderAccess> implements OrderAccessLookup {
  constructor(options: HttpOrderAccessOptions) {
    super(orderAccessEndpoint, options);
  }
}
