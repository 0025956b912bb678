import { z } from 'zod';
import { channelNameSchema, parseChannel } from './channels';
import { Envelope } from './envelope';
import { ErrorBody, ErrorCode } from './errors';

/** socket.io path and namespace every client connects to. */
export const SOCKET_PATH = '/socket.io';
export const SOCKET_NAMESPACE = '/';

/** Events a client sends; each takes an ack callback. */
export const CLIENT_EVENTS = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
} as const;

export const subscribeRequestSchema = z
  .strictObject({
    channel: channelNameSchema,
    /** The last channel offset the client saw; the edge replays what history holds after it. */
    since: z.string().max(64).optional(),
    /**
     * `order:{id}` only, without `since`: send the order's state first (an `order.snapshot` message),
     * then only the events after it. See docs/protocol.md, "Order snapshot + deltas".
     */
    snapshot: z.boolean().optional(),
  })
  .superRefine((request, ctx) => {
    if (request.snapshot !== true) return;
    if (parseChannel(request.channel)?.kind !== 'order')
      ctx.addIssue({ code: 'custom', path: ['snapshot'], message: 'only order:{id} channels have a snapshot' });
    if (request.since !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['snapshot'],
        message: 'cannot be combined with since (resume with since alone)',
      });
  });
export type SubscribeRequest = z.infer<typeof subscribeRequestSchema>;

export const unsubscribeRequestSchema = z.strictObject({ channel: channelNameSchema });
export type UnsubscribeRequest = z.infer<typeof unsubscribeRequestSchema>;

/** Every ack: success with fields, or a coded error. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export const ackOk = <T extends object>(fields: T = {} as T): Ack<T> => ({ ok: true, ...fields });
export const ackError = (code: ErrorCode, message: string): Ack<never> => ({
  ok: false,
  error: { code, message },
});

/**
 * `recovered` answers a subscribe with `since`: true when every event after `since` was replayed
 * (before this ack, in order), false when `since` fell out of history, so the client must
 * refetch state over REST. Absent when no `since` was given.
 */
export type SubscribeAck = Ack<{
  channel: string;
  recovered?: boolean;
  /**
   * Answers `snapshot: true`: the offset of the `order.snapshot` message sent before this ack, or
   * `null` when the order has no snapshot (no events in history): the subscription is then a plain
   * live one and the client gets the state elsewhere (REST). Absent when no snapshot was asked for.
   */
  snapshot?: { offset: string } | null;
}>;
export type UnsubscribeAck = Ack<{ channel: string }>;

/**
 * What the server emits to a channel: the socket.io event name is the CloudEvents `type`
 * (e.g. `order.status_changed`) and the payload is this delivery.
 *
 * @example
 * socket.on('order.status_changed', (d: Delivery) => render(d.event.data.to));
 */
export interface Delivery<E extends Envelope = Envelope> {
  channel: string;
  /**
   * The event's position in the channel's history (monotonic per channel, opaque: compare only
   * by equality, pass back as `since`). Absent on volatile events, which history does not keep.
   */
  offset?: string;
  event: E;
}

/**
 * `connect_error` data when the handshake is refused. `UNAUTHENTICATED`: the token does not verify or
 * was revoked (get a new one). `RATE_LIMITED`: wait `retryAfterMs`. `UNAVAILABLE`: the edge could not
 * check the token's revocation now; retry with backoff.
 */
export interface ConnectErrorData extends ErrorBody {
  code: 'UNAUTHENTICATED' | 'RATE_LIMITED' | 'UNAVAILABLE';
}
