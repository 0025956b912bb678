import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { SUPPORT_TOPIC, SUPPORT_TOPIC_PARTITIONS } from '@shopnest/contracts';
import { AuthModule } from '@shopnest/platform-auth';
import { EventBus, EventBusModule } from '@shopnest/platform-event-bus';
import { serveOpenApiDocs } from '@shopnest/platform-http';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { SupportErrorFilter } from '../http/support-error.filter';
import { SupportModule } from '../support.module';
import { SUPPORT_DESK, SupportDeskConfig } from './support-desk.config';

/** support-desk: tickets and chat over REST in Postgres (or embedded PGlite), their events on the bus through the outbox. */
@Module({})
export class SupportDeskModule {
  /** `shared.eventBus`: the one-process mode's in-memory bus, shared with the worker (its owner closes it). */
  static forRoot(config: SupportDeskConfig, shared: { eventBus?: EventBus } = {}): DynamicModule {
    return {
      module: SupportDeskModule,
      imports: [
        ObservabilityModule.forRoot({ service: SUPPORT_DESK, logLevel: config.logLevel }),
        AuthModule.forRoot(config.jwt),
        EventBusModule.forRoot(config.eventBus, {
          topics: [{ topic: SUPPORT_TOPIC, numPartitions: SUPPORT_TOPIC_PARTITIONS }],
          // Writes keep committing while Kafka is down (the outbox holds their events).
          readinessProbe: false,
          connectAtStart: false,
          shared: shared.eventBus,
        }),
        SupportModule.forRoot(config.support),
      ],
      // Every route answers errors with { code, message }.
      providers: [{ provide: APP_FILTER, useClass: SupportErrorFilter }],
    };
  }
}

/** support-desk's OpenAPI document at `/docs` (`/docs/json`). */
export function serveSupportOpenApi(app: INestApplication): void {
  serveOpenApiDocs(app, {
    title: 'ShopNest support-desk',
    description:
      'Support tickets and their chat: durable writes over REST (typing and presence go over the socket). Every ' +
      'change is stored with its CloudEvent and published to Kafka (`shopnest.support.v1`, key = ticket id) through ' +
      'a transactional outbox. Errors are `{ code, message, ...details }`.',
  });
}
