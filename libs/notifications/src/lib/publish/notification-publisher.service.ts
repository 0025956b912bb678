import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import {
  NOTIFICATION_PUBLISHED,
  NOTIFICATIONS_TOPIC,
  NotificationPublishedEvent,
  PublishNotification,
  PublishNotificationResponse,
  SERVICE_IDENTITY_PATTERN,
  serviceSource,
  targetChannels,
} from '@shopnest/contracts';
import { EventBus } from '@shopnest/platform-event-bus';
import { v7 as uuidv7 } from 'uuid';
import { forbiddenChannels } from './publish-allowlist';
import { PUBLISH_CONFIG, PublishConfig } from './publish.config';

/**
 * Writes a service's notification to `shopnest.notifications.v1` after checking the allowlist,
 * so a refusal is a 403 to the caller rather than a dead letter nobody reads. The worker checks
 * again on consumption: services that write to the topic directly meet the same rules.
 */
@Injectable()
export class NotificationPublisher {
  constructor(
    private readonly bus: EventBus,
    @Inject(PUBLISH_CONFIG) private readonly config: PublishConfig,
  ) {}

  /** Resolves once the bus has durably accepted the event; throws 403 `FORBIDDEN` for a channel not allowed. */
  async publish(service: string, notification: PublishNotification): Promise<PublishNotificationResponse> {
    if (!SERVICE_IDENTITY_PATTERN.test(service)) {
      throw new ForbiddenException({ code: 'FORBIDDEN', message: `"${service}" is not a service identity` });
    }
    const channels = targetChannels(notification.to);
    const refused = forbiddenChannels(this.config.allowlist, service, channels);
    if (refused.length) {
      throw new ForbiddenException({
        code: 'FORBIDDEN',
        message: `${service} may not publish to ${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ', ...' : ''}`,
      });
    }
    const id = uuidv7();
    // One target: keyed by it, so one user's notifications stay in order; several: spread by id.
    const subject = channels.length === 1 ? (channels[0] as string) : id;
    const event: NotificationPublishedEvent = {
      specversion: '1.0',
      id,
      type: NOTIFICATION_PUBLISHED,
      source: serviceSource(service),
      subject,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      sequence: 0,
      data: notification,
    };
    await this.bus.publish(NOTIFICATIONS_TOPIC, [{ key: subject, event }]);
    return { id, channels: channels.length };
  }
}
