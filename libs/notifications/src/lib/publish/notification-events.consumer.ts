import { Inject, Injectable, Optional } from '@nestjs/common';
import { NotificationPublishedEvent } from '@shopnest/contracts';
import { EventBus } from '@shopnest/platform-event-bus';
import { ChannelPublisher, ProcessedEvents } from '@shopnest/platform-history';
import { MetricsService, ReadinessRegistry } from '@shopnest/platform-observability';
import { EventStreamConsumer } from '../event-stream.consumer';
import { NOTIFICATIONS_CONFIG, NotificationsConfig } from '../notifications.config';
import { notificationEventStream } from './notification-events.stream';
import { PUBLISH_CONFIG, PublishConfig } from './publish.config';

/** Notifications other services publish (`shopnest.notifications.v1`) into user and other channels. */
@Injectable()
export class NotificationEventsConsumer extends EventStreamConsumer<NotificationPublishedEvent> {
  constructor(
    bus: EventBus,
    publisher: ChannelPublisher,
    processed: ProcessedEvents,
    metrics: MetricsService,
    @Inject(NOTIFICATIONS_CONFIG) config: NotificationsConfig,
    @Inject(PUBLISH_CONFIG) publish: PublishConfig,
    @Optional() readiness?: ReadinessRegistry,
  ) {
    super(notificationEventStream(publish.allowlist), bus, publisher, processed, metrics, config, readiness);
  }
}
