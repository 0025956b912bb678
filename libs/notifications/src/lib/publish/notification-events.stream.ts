import {
  NOTIFICATIONS_TOPIC,
  notificationContentSchema,
  NotificationPublishedEvent,
  notificationPublishedEventSchema,
  PublishedNotification,
  serviceIdentityOf,
  targetChannels,
} from '@shopnest/contracts';
import type { EventStream } from '../event-stream.consumer';
import { Route } from '../routing';
import { forbiddenChannels, PublishAllowlist } from './publish-allowlist';

/** What each target channel receives: the event without `to`, so no user learns who else was notified. */
export function deliveredNotification({ data, ...event }: NotificationPublishedEvent): PublishedNotification {
  // The content schema strips `to`; `data` has passed it already, so this only drops the key.
  return { ...event, data: notificationContentSchema.parse(data) };
}

/** One delivery per target channel (`user:{id}` per user, then the channel), never volatile. */
export function routeNotification(event: NotificationPublishedEvent): Route[] {
  const delivered = deliveredNotification(event);
  return targetChannels(event.data.to).map((channel) => ({ channel, event: delivered, volatile: false }));
}

/**
 * Notifications other services publish (`shopnest.notifications.v1`). The allowlist is part of
 * the stream's schema, so an event whose source is no service identity, or that names a channel
 * its service may not publish to, is dead-lettered with reason `invalid` and the refusal in `dlq-error`.
 */
export function notificationEventStream(allowlist: PublishAllowlist): EventStream<NotificationPublishedEvent> {
  return {
    name: 'notifications',
    topic: NOTIFICATIONS_TOPIC,
    schema: notificationPublishedEventSchema.superRefine((event, ctx) => {
      const service = serviceIdentityOf(event.source);
      if (service === null) {
        ctx.addIssue({ code: 'custom', path: ['source'], message: 'FORBIDDEN: must be /shopnest/{service identity}' });
        return;
      }
      for (const channel of forbiddenChannels(allowlist, service, targetChannels(event.data.to))) {
        ctx.addIssue({
          code: 'custom',
          path: ['data', 'to'],
          message: `FORBIDDEN: ${service} may not publish to ${channel}`,
        });
      }
    }) as EventStream<NotificationPublishedEvent>['schema'],
    route: routeNotification,
  };
}
