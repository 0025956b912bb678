import { Inject, Injectable } from '@nestjs/common';
import { NotificationPublishedEvent } from '@shopnest/contracts';
import { EventStreamConsumer, StreamConsumerDeps } from '../event-stream.consumer';
import { notificationEventStream } from './notification-events.stream';
import { PUBLISH_CONFIG, PublishConfig } from './publish.config';

/** Notifications other services publish (`shopnest.notifications.v1`) into user and other channels. */
@Injectable()
export class NotificationEventsConsumer extends EventStreamConsumer<NotificationPublishedEvent> {
  constructor(deps: StreamConsumerDeps, @Inject(PUBLISH_CONFIG) publish: PublishConfig) {
    super(notificationEventStream(publish.allowlist), deps);
  }
}
