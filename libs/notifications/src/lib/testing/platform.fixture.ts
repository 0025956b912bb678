import { DynamicModule, Global, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { EventBus } from '@shopnest/platform-event-bus';
import { Fanout } from '@shopnest/platform-fanout';
import {
  ChannelHistory,
  ChannelPublisher,
  InMemoryHistory,
  InMemoryProcessedEvents,
  LocalChannelPublisher,
  ProcessedEvents,
} from '@shopnest/platform-history';
import { MetricsService, ReadinessRegistry } from '@shopnest/platform-observability';

/** Closes the bus on application shutdown, as EventBusModule does with the adapter it built. */
@Global()
@Module({})
class PlatformFixtureModule implements OnApplicationShutdown {
  constructor(private readonly bus: EventBus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/**
 * The platform pieces a test hands in. History and processed-event stores default to in-memory
 * ones; the publisher to a `LocalChannelPublisher` over that history and `fanout`.
 */
export type PlatformParts = {
  bus: EventBus;
  metrics: MetricsService;
  processed?: ProcessedEvents;
  readiness?: ReadinessRegistry;
} & (
  | { fanout: Fanout; history?: InMemoryHistory; publisher?: undefined }
  | { publisher: ChannelPublisher; history: ChannelHistory; fanout?: undefined }
);

/** Stands in for EventBusModule, HistoryModule, ChannelPublisherModule and ObservabilityModule (all global in the app). */
export function platformFixture(parts: PlatformParts): DynamicModule {
  const history = parts.history ?? new InMemoryHistory();
  const publisher = parts.publisher ?? new LocalChannelPublisher(history as InMemoryHistory, parts.fanout as Fanout);
  const providers: Provider[] = [
    { provide: EventBus, useValue: parts.bus },
    { provide: ChannelPublisher, useValue: publisher },
    { provide: MetricsService, useValue: parts.metrics },
    { provide: ChannelHistory, useValue: history },
    { provide: ProcessedEvents, useValue: parts.processed ?? new InMemoryProcessedEvents(60_000) },
  ];
  if (parts.readiness) providers.push({ provide: ReadinessRegistry, useValue: parts.readiness });
  return {
    module: PlatformFixtureModule,
    providers,
    exports: [
      EventBus,
      ChannelPublisher,
      MetricsService,
      ChannelHistory,
      ProcessedEvents,
      ...(parts.readiness ? [ReadinessRegistry] : []),
    ],
  };
}
