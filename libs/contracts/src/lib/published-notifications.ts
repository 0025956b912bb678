import { z } from 'zod';
import { CHANNEL_ID_PATTERN, channelNameSchema, parseChannel, userChannel } from './channels';
import { Envelope, envelopeSchema } from './envelope';

/**
 * The topic other ShopNest services (payments, catalog, marketing) write notifications to, in
 * the CloudEvents Kafka binding's binary mode like every topic: `ce_*` headers, `data` as the
 * JSON value. notification-worker routes each event to its target channels with the same
 * guarantees as order and support events (history, offsets, replay, de-duplication by id); an
 * event that does not validate, or that its source may not send, goes to {@link NOTIFICATIONS_DLQ_TOPIC}.
 * Services without a Kafka client use `POST /notifications` on notification-worker instead.
 */
export const NOTIFICATIONS_TOPIC = 'shopnest.notifications.v1';
/** Partitions a service gives the notifications topic when it finds it missing. */
export const NOTIFICATIONS_TOPIC_PARTITIONS = 6;
/** Dead letters of {@link NOTIFICATIONS_TOPIC}, each with its reason in the `dlq-*` headers. */
export const NOTIFICATIONS_DLQ_TOPIC = `${NOTIFICATIONS_TOPIC}.dlq`;

export const NOTIFICATION_PUBLISHED = 'notification.published';

/** A service identity: the `sub` of a `service` token, the key of `PUBLISH_ALLOWLIST`. */
export const SERVICE_IDENTITY_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The CloudEvents `source` of a service's events.
 *
 * @example
 * serviceSource('payments') // '/shopnest/payments'
 */
export const serviceSource = (identity: string): string => `/shopnest/${identity}`;

/**
 * The service identity a `source` names; `null` when it names none (the worker then refuses the event).
 *
 * @example
 * serviceIdentityOf('/shopnest/payments') // 'payments'
 * serviceIdentityOf('https://example.com') // null
 */
export function serviceIdentityOf(source: string): string | null {
  const identity = source.startsWith('/shopnest/') ? source.slice('/shopnest/'.length) : '';
  return SERVICE_IDENTITY_PATTERN.test(identity) ? identity : null;
}

/**
 * Rooms no service may publish to whatever the allowlist says: agents-only ticket notes and the
 * agents' presence roster (`system:*` rooms are not channel names at all, so no target reaches them).
 */
export function isInternalChannel(channel: string): boolean {
  const parsed = parseChannel(channel);
  return parsed === null || parsed.kind === 'ticket-internal' || (parsed.kind === 'support' && parsed.id === 'agents');
}

/** Most bytes of `data` (as JSON): notifications carry a pointer (an id, a link), never a document. */
export const MAX_NOTIFICATION_DATA_BYTES = 4_096;
/** Most users one notification targets; more go as several notifications (or to a channel). */
export const MAX_NOTIFICATION_USERS = 1_000;

/** What a notification says: the part every target channel receives. */
export const notificationContentSchema = z.object({
  /** A short heading, when the client shows one. */
  title: z.string().min(1).max(100).optional(),
  /** Ready to show, e.g. "Your refund of €12.50 is on its way". */
  text: z.string().min(1).max(500),
  /** Small JSON for the client (an id, a link); at most {@link MAX_NOTIFICATION_DATA_BYTES} bytes. */
  data: z
    .record(z.string(), z.json())
    .refine((data) => new TextEncoder().encode(JSON.stringify(data)).length <= MAX_NOTIFICATION_DATA_BYTES, {
      message: `must be at most ${MAX_NOTIFICATION_DATA_BYTES} bytes of JSON`,
    })
    .optional(),
  /** Lets clients group or mute notifications, e.g. `payments.refund`. */
  category: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 of a-z, 0-9, ".", "_", "-"')
    .optional(),
});
export type NotificationContent = z.infer<typeof notificationContentSchema>;

/** Who receives it: a set of users (one delivery to each `user:{id}`), a channel, or both. */
export const notificationTargetSchema = z
  .object({
    users: z
      .array(z.string().regex(CHANNEL_ID_PATTERN, 'must be a user id (1-64 of A-Z, a-z, 0-9, "_", "-")'))
      .min(1)
      .max(MAX_NOTIFICATION_USERS)
      .optional(),
    channel: channelNameSchema.optional(),
  })
  .strict()
  .refine((to) => to.users !== undefined || to.channel !== undefined, { message: 'needs users or channel' });
export type NotificationTarget = z.infer<typeof notificationTargetSchema>;

/**
 * `POST /notifications` (role `service`) and the `data` of a `notification.published` event on
 * {@link NOTIFICATIONS_TOPIC}.
 *
 * @example
 * { to: { users: ['u-1', 'u-2'] }, title: 'Refund sent', text: 'Your refund of €12.50 is on its way', category: 'payments.refund' }
 */
export const publishNotificationSchema = notificationContentSchema.extend({ to: notificationTargetSchema }).strict();
export type PublishNotification = z.infer<typeof publishNotificationSchema>;

/** `202` answer of `POST /notifications`: the event's id (clients de-duplicate by it) and how many channels it goes to. */
export interface PublishNotificationResponse {
  id: string;
  channels: number;
}

/**
 * A `notification.published` event as a service writes it to {@link NOTIFICATIONS_TOPIC}:
 * `source` is {@link serviceSource} of the publishing service (checked against the allowlist),
 * `subject` what the service wants the Kafka key to be (the one target, so one user's
 * notifications stay in order), `sequence` 0 unless the service numbers its notifications.
 */
export const notificationPublishedEventSchema = envelopeSchema.extend({
  type: z.literal(NOTIFICATION_PUBLISHED),
  data: publishNotificationSchema,
});
export type NotificationPublishedEvent = Envelope<typeof NOTIFICATION_PUBLISHED, PublishNotification>;

/**
 * `notification.published` as a channel delivers it: the published event with `data` minus
 * `to` (no user learns who else was notified). Same `id` on every channel it went to.
 *
 * @example
 * socket.on('notification.published', (d: Delivery<PublishedNotification>) => toast(d.event.data.text));
 */
export const publishedNotificationSchema = envelopeSchema.extend({
  type: z.literal(NOTIFICATION_PUBLISHED),
  data: notificationContentSchema,
});
export type PublishedNotification = Envelope<typeof NOTIFICATION_PUBLISHED, NotificationContent>;

/**
 * The channels a target names, without repeats: `user:{id}` per user, then the channel.
 *
 * @example
 * targetChannels({ users: ['u1', 'u1'], channel: 'ops:orders' }) // ['user:u1', 'ops:orders']
 */
export function targetChannels(to: NotificationTarget): string[] {
  return [...new Set([...(to.users ?? []).map(userChannel), ...(to.channel === undefined ? [] : [to.channel])])];
}
