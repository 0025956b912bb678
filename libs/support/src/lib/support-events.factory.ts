import { SUPPORT_DESK_SOURCE, SupportEventOf, SupportEventType } from '@shopnest/contracts';
import { v7 as uuidv7 } from 'uuid';

/**
 * The CloudEvents envelope of a support event; `sequence` is the ticket's version after the
 * change (every event of a ticket takes the next one).
 *
 * @example
 * supportEvent('ticket.assigned', ticket.id, 4, { ticketId, customerId, assigneeId, assignedBy })
 */
export function supportEvent<T extends SupportEventType>(
  type: T,
  ticketId: string,
  sequence: number,
  data: SupportEventOf<T>['data'],
  now: Date = new Date(),
): SupportEventOf<T> {
  return {
    specversion: '1.0',
    id: uuidv7(),
    type,
    source: SUPPORT_DESK_SOURCE,
    subject: ticketId,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    sequence,
    data,
  } as SupportEventOf<T>;
}
