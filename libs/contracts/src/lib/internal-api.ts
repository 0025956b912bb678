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

/** At most this many ids per bulk access request. */
export const MAX_BULK_ACCESS_IDS = 500;

/**
 * The body of a bulk access request, e.g. order-tracking's internal `POST /internal/orders/access`
 * (callers need a `service` token): the ids to look up, distinct or not, 1 to {@link MAX_BULK_ACCESS_IDS}.
 *
 * @example
 * { ids: ['0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60', 'o-unknown'] }
 */
export const bulkAccessRequestSchema = z.object({
  ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_BULK_ACCESS_IDS),
});
export type BulkAccessRequest = z.infer<typeof bulkAccessRequestSchema>;

/**
 * The answer to a bulk access request: every requested id, mapped to its access or `null` when
 * there is no such resource (the bulk form of the single endpoint's 404).
 *
 * @example
 * { access: { '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60': { customerId: 'user-42', courierId: null }, 'o-unknown': null } }
 */
export const bulkAccessResponseSchema = <T extends z.ZodType>(schema: T) =>
  z.object({ access: z.record(z.string(), schema.nullable()) });

/** Path of the bulk order-access endpoint, relative to order-tracking's base URL. */
export const orderAccessBulkPath = '/internal/orders/access';

/**
 * The order-access endpoint as an internal-access client needs it: its name in errors, path and body,
 * and its bulk form, which lets a client coalesce concurrent look-ups into one request.
 */
export const orderAccessEndpoint = {
  resource: 'order',
  path: orderAccessPath,
  schema: orderAccessSchema,
  bulk: { path: orderAccessBulkPath, maxIds: MAX_BULK_ACCESS_IDS, schema: bulkAccessResponseSchema(orderAccessSchema) },
};

/** The ticket-access endpoint as an internal-access client needs it: its name in errors, path and body. */
export const ticketAccessEndpoint = { resource: 'ticket', path: ticketAccessPath, schema: ticketAccessSchema };
