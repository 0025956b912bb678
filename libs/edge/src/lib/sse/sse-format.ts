import { Delivery } from '@shopnest/contracts';

/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"). Every value written here is
 * single-line: JSON.stringify escapes newlines, event types and offsets have none.
 */

/** One delivery: `id:` its channel offset (none for volatile events, so `Last-Event-ID` stays the last offset), `event:` its type. */
export function sseDelivery(name: string, delivery: Delivery): string {
  const id = delivery.offset === undefined ? '' : `id: ${delivery.offset}\n`;
  return `${id}event: ${name}\ndata: ${JSON.stringify(delivery)}\n\n`;
}

/** The `subscribed` event that ends the replay, like the socket's subscribe ack. */
export function sseSubscribed(channel: string, recovered: boolean | undefined): string {
  return `event: subscribed\ndata: ${JSON.stringify({ channel, ...(recovered !== undefined && { recovered }) })}\n\n`;
}

/** The reconnection delay hint EventSource honours. */
export const sseRetry = (ms: number): string => `retry: ${ms}\n\n`;

/** A comment line: ignored by clients, keeps proxies and load balancers from closing an idle stream. */
export const sseComment = (text: string): string => `: ${text}\n\n`;

/** The stream's last event before the edge ends it: reconnect after `reconnectAfterMs` (also set as `retry:`). */
export function sseDraining(reconnectAfterMs: number): string {
  const body = { reconnectAfterMs, message: 'this edge is shutting down; reconnect with Last-Event-ID' };
  return `retry: ${reconnectAfterMs}\nevent: session.draining\ndata: ${JSON.stringify(body)}\n\n`;
}
