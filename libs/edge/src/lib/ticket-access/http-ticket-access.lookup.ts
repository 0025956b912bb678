import { TicketAccess, ticketAccessEndpoint } from '@shopnest/contracts';
import { HttpAccessLookup, HttpAccessOptions } from '@shopnest/platform-http';
import { TicketAccessLookup } from './ticket-access.port';

/** support-desk's base URL and the edge's service token; see {@link HttpAccessOptions}. */
export type HttpTicketAccessOptions = HttpAccessOptions;

/** Asks support-desk's internal `GET /internal/tickets/:ticketId/access` (see {@link HttpAccessLookup}). */
export class HttpTicketAccessLookup extends HttpAccessLookup<TicketAccess> implements TicketAccessLookup {
  constructor(options: HttpTicketAccessOptions) {
    super(ticketAccessEndpoint, options);
  }
}
