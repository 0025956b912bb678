import {
  Envelope,
  SUPPORT_QUEUE_CHANNEL,
  SupportEvent,
  SupportEventOf,
  SupportEventType,
  ticketChannel,
  ticketInternalChannel,
  TicketMessage,
  userChannel,
} from '@shopnest/contracts';
import { Route } from './routing';

type SupportRouteRule<E extends SupportEvent> = (event: E) => string[];

const ticketAndQueue = (event: SupportEvent) => [ticketChannel(event.data.ticketId), SUPPORT_QUEUE_CHANNEL];
/** A public message goes to the ticket's channel; an internal note only to its agents-only channel. */
const byVisibility = (event: { data: { ticketId: string; message: TicketMessage } }) => [
  event.data.message.visibility === 'internal'
    ? ticketInternalChannel(event.data.ticketId)
    : ticketChannel(event.data.ticketId),
];

/**
 * The support routing table: for each support event type, the channels it goes to. Every type
 * must appear (a new type is a compile error until routed). Internal notes reach only
 * `ticket-internal:{id}` (agents); read pointers only ever cover public messages, so
 * `ticket.read` on `ticket:{id}` names no note.
 */
export const SUPPORT_EVENT_ROUTES: { readonly [T in SupportEventType]: SupportRouteRule<SupportEventOf<T>> } = {
  'ticket.created': ticketAndQueue,
  'ticket.assigned': ticketAndQueue,
  'ticket.status_changed': ticketAndQueue,
  'ticket.read': (event) => [ticketChannel(event.data.ticketId)],
  'message.created': byVisibility,
  'message.updated': byVisibility,
  'message.deleted': byVisibility,
  'unread.changed': (event) => [userChannel(event.data.userId)],
};

/**
 * The pushes a validated support event makes. None is volatile: tickets and messages are kept in
 * history and replayed on resume.
 *
 * @example
 * routeSupportEvent(internalNote).map((r) => r.channel) // ['ticket-internal:t-1']
 */
export function routeSupportEvent(event: SupportEvent): Route[] {
  const rule = SUPPORT_EVENT_ROUTES[event.type] as SupportRouteRule<SupportEvent>;
  return rule(event).map((channel) => ({ channel, event: event as Envelope, volatile: false }));
}
