import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import {
  CANARY_TOPIC,
  NOTIFICATIONS_TOPIC,
  NOTIFICATIONS_TOPIC_PARTITIONS,
  ORDERS_TOPIC,
  ORDERS_TOPIC_PARTITIONS,
  SUPPORT_TOPIC,
  SUPPORT_TOPIC_PARTITIONS,
} from '@shopnest/contracts';
import { AuthModule } from '@shopnest/platform-auth';
import { deadLetterTopicOf, decisionsTopicOf } from '../dlq/dead-letter-headers';
import { DeadLettersModule } from '../dlq/dead-letters.module';
import { InboxModule } from '../inbox/inbox.module';
import { NotificationsModule } from '../notifications.module';
import { PublishModule } from '../publish/publish.module';
import { EventBus, EventBusModule } from '@shopnest/platform-event-bus';
import { LocalFanout } from '@shopnest/platform-fanout';
import {
  ChannelHistory,
  ChannelPublisherModule,
  HistoryModule,
  ProcessedEventsModule,
} from '@shopnest/platform-history';
import { ErrorBodyFilter } from '@shopnest/platform-http';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { NotificationWorkerConfig, NOTIFICATION_WORKER } from './notification-worker.config';

/** In-process adapters the one-process mode shares with the other services; their owner closes them. */
export interface NotificationWorkerShared {
  eventBus?: EventBus;
  history?: ChannelHistory;
  fanout?: LocalFanout;
}

/** Topics the worker consumes: each has a `<topic>.dlq` the dead-letter API serves. */
const CONSUMED_TOPICS = [ORDERS_TOPIC, SUPPORT_TOPIC, NOTIFICATIONS_TOPIC];

/**
 * The worker: Kafka in; Redis out (channel history and socket.io pushes, one script per event and
 * channel); dead letters back to Kafka; HTTP for health, metrics, the ops-only dead-letter API,
 * `POST /notifications` (role `service`) and every user's inbox.
 */
@Module({})
export class NotificationWorkerModule {
  static forRoot(config: NotificationWorkerConfig, shared: NotificationWorkerShared = {}): DynamicModule {
    return {
      module: NotificationWorkerModule,
      imports: [
        ObservabilityModule.forRoot({
          service: NOTIFICATION_WORKER,
          logLevel: config.logLevel,
        }),
        EventBusModule.forRoot(config.eventBus, {
          topics: [
            { topic: ORDERS_TOPIC, numPartitions: ORDERS_TOPIC_PARTITIONS },
            { topic: SUPPORT_TOPIC, numPartitions: SUPPORT_TOPIC_PARTITIONS },
            { topic: NOTIFICATIONS_TOPIC, numPartitions: NOTIFICATIONS_TOPIC_PARTITIONS },
            { topic: CANARY_TOPIC, numPartitions: 1 },
            ...CONSUMED_TOPICS.flatMap((topic) => [
              // Dead letters are rare and read by people or a replay tool: one partition keeps them in arrival order.
              { topic: deadLetterTopicOf(topic), numPartitions: 1 },
              // Operators' decisions on them (re-driven, dropped): as rare, read whole by the dead-letter API.
              { topic: decisionsTopicOf(topic), numPartitions: 1 },
            ]),
          ],
          shared: shared.eventBus,
        }),
        HistoryModule.forRoot(config.history, { shared: shared.history }),
        // Redelivered events already handled are skipped; the edge, which replays only, has no such store.
        ProcessedEventsModule.forRoot(config.history),
        // History append and push in one step: Redis script in the cluster, one process's server here.
        ChannelPublisherModule.forRoot(config.history, config.fanout, { localFanout: shared.fanout }),
        NotificationsModule.forRoot(config.notifications),
        AuthModule.forRoot(config.jwt),
        DeadLettersModule.forRoot({ topics: CONSUMED_TOPICS }),
        PublishModule.forRoot(config.publish, config.notifications),
        InboxModule.forRoot(config.inbox),
      ],
      // `{ code, message }` on every REST error, the body parser's too (malformed JSON 400 INVALID, 413).
      providers: [{ provide: APP_FILTER, useClass: ErrorBodyFilter }],
    };
  }
}
