import { z } from 'zod';

/**
 * Who may see an order: the body of order-tracking's internal
 * `GET /internal/orders/:orderId/access` (callers need a `service` token). The edge asks it
 * before letting a customer or courier join `order:{orderId}`; 404 means no such order.
 *
 * @example
 * { customerId: 'user-42', courierId: null }
 */
export const orderAccessSchema = z.object({
  customerId: z.string().min(1),
  courierId: z.string().min(1).nullable(),
});
export type OrderAccess = z.infer<typeof orderAccessSchema>;

/** Path of the order-access endpoint, relative to order-tracking's base URL. */
export const orderAccessPath = (orderId: string): string => `/internal/orders/${encodeURIComponent(orderId)}/access`;

/**
 * Who may see a ticket: the body of support-desk's internal `GET /internal/tickets/:ticketId/access`
 * (callers need a `service` token). The edge asks it before letting a customer join `ticket:{ticketId}`
 * (agents see every ticket); 404 means no such ticket.
 *
 * @example
 * { customerId: 'user-42' }
 */
export const ticketAccessSchema = z.object({
  customerId: z.string().min(1),
});
export type TicketAccess = z.infer<typeof ticketAccessSchema>;

/** Path of the ticket-access endpoint, relative to support-desk's base URL. */
export const ticketAccessPath = (ticketId: string): string =>
  `/internal/tickets/${encodeURIComponent(ticketId)}/access`;

/** The order-access endpoint as an internal-access client needs it: its name in errors, path and body. */
export const orderAccessEndpoint = { resource: 'order', path: orderAccessPath, schema: orderAccessSchema };

/** The ticket-access endpoint as an internal-access client needs it: its name in errors, path and body. */
export const ticketAccessEndpoint = { resource: 'ticket', path: ticketAccessPath, schema: ticketAccessSchema };
