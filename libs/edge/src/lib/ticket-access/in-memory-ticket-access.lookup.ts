import { TicketAccess } from '@shopnest/contracts';
import { TicketAccessLookup } from './ticket-access.port';

/**
 * Ticket ownership held in a Map: for unit tests, and for an edge with no support-desk to ask
 * (`SUPPORT_DESK_URL` unset), where it stays empty, so customers are refused every ticket.
 */
export class InMemoryTicketAccessLookup extends TicketAccessLookup {
  private readonly tickets = new Map<string, TicketAccess>();

  constructor(initial: Record<string, TicketAccess> = {}) {
    super();
    for (const [ticketId, access] of Object.entries(initial)) this.set(ticketId, access);
  }

  set(ticketId: string, access: TicketAccess): void {
    this.tickets.set(ticketId, { ...access });
  }

  delete(ticketId: string): void {
    this.tickets.delete(ticketId);
  }

  async find(ticketId: string): Promise<TicketAccess | null> {
    const access = this.tickets.get(ticketId);
    return access ? { ...access } : null;
  }
}
