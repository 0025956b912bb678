import { SUPPORT_DESK_SOURCE, SupportEvent, supportEventSchema, TicketMessage } from '@shopnest/contracts';
import { v7 as uuidv7 } from 'uuid';
import { routeSupportEvent } from './support-routing';

const ticketId = uuidv7();
const envelope = (type: string, data: unknown): SupportEvent =>
  supportEventSchema.parse({
    specversion: '1.0',
    id: uuidv7(),
    type,
    source: SUPPORT_DESK_SOURCE,
    subject: ticketId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    sequence: 2,
    data,
  });
const message = (visibility: TicketMessage['visibility']): TicketMessage => ({
  id: uuidv7(),
  ticketId,
  seq: 1,
  visibility,
  authorId: 'agent-1',
  authorRole: 'agent',
  clientMessageId: 'c-1',
  text: 'hello',
  createdAt: new Date().toISOString(),
  editedAt: null,
  deletedAt: null,
});
const channels = (event: SupportEvent) => routeSupportEvent(event).map((route) => route.channel);

describe('routeSupportEvent', () => {
  it('sends a public message to the ticket channel only', () => {
    const event = envelope('message.created', { ticketId, customerId: 'c-1', message: message('public') });
    expect(channels(event)).toEqual([`ticket:${ticketId}`]);
  });

  it('keeps an internal note, its edit and its tombstone on the agents-only channel', () => {
    for (const type of ['message.created', 'message.updated', 'message.deleted']) {
      const event = envelope(type, { ticketId, customerId: 'c-1', message: message('internal') });
      expect(channels(event)).toEqual([`ticket-internal:${ticketId}`]);
    }
  });

  it('tells the agents queue and the ticket about lifecycle changes, and a user about their unread count', () => {
    const status = envelope('ticket.status_changed', { ticketId, customerId: 'c-1', from: 'open', to: 'pending' });
    expect(channels(status)).toEqual([`ticket:${ticketId}`, 'support:queue']);
    const unread = envelope('unread.changed', {
      ticketId,
      customerId: 'c-1',
      userId: 'c-1',
      unread: 2,
      totalUnread: 3,
    });
    expect(channels(unread)).toEqual(['user:c-1']);
    expect(routeSupportEvent(unread).every((route) => !route.volatile)).toBe(true);
  });
});
