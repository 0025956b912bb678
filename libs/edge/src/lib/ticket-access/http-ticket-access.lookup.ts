import { TicketAccess, ticketAccessPath, ticketAccessSchema } from '@shopnest/contracts';
import { HttpAccessLookup, HttpAccessOptions } from '../access/http-access.lookup';
import { TicketAccessLookup } from './ticket-access.port';

/** support-desk's base URL and the edge's service token; see {@link HttpAccessOptions}. */
export type HttpTicketAccessOptions = HttpAccessOptions;

/**
 * Asks support-desk's internal `GET /internal/tickets/:ticketId/access` (see {@link HttpAccessLookup}:
 * timeout, short cache, one request per ticket in flight); rejects with `AccessLookupUnavailable`.
 */
export class HttpTicketAccessLookup extends TicketAccessLookup {
  private readonly http: HttpAccessLookup<TicketAccess>;

  constructor(options: HttpTicketAccessOptions, fetchImpl?: typeof fetch) {
    super();
    this.http = new HttpAccessLookup(
      { resource: 'ticket', path: ticketAccessPath, schema: ticketAccessSchema },
      options,
      fetchImpl,
    );
  }

  find(ticketId: string): Promise<TicketAccess | null> {
    return this.http.find(ticketId);
  }
}
