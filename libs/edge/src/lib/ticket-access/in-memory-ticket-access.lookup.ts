import { TicketAccess } from '@shopnest/contracts';
import { InMemoryAccessLookup } from '../access/in-memory-access.lookup';
import { TicketAccessLookup } from './ticket-access.port';

/**
 * Ticket ownership held in a Map: for unit tests, and for an edge with no support-desk to ask
 * (`SUPPORT_DESK_URL` unset), where it stays empty, so customers are refused every ticket.
 */
export class InMemoryTicketAccessLookup extends InMemoryAccessLookup<TicketAccess> implements TicketAccessLookup {}
