import { DynamicModule, Global, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { EventBus } from '@shopnest/platform-event-bus';
import { Fanout } from '@shopnest/platform-fanout';
import { ChannelHistory, InMemoryHistory, InMemoryProcessedEvents, ProcessedEvents } from '@shopnest/platform-history';
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

/** The platform pieces a test hands in; history and processed-event stores default to in-memory ones. */
export interface PlatformParts {
  bus: EventBus;
  fanout: Fanout;
  metrics: MetricsService;
  history?: ChannelHistory;
  processed?: ProcessedEvents;
  readiness?: ReadinessRegistry;
}

/** Stands in for EventBusModule, FanoutModule, HistoryModule and ObservabilityModule (all global in the app). */
export function platformFixture(parts: PlatformParts): DynamicModule {
  const providers: Provider[] = [
    { provide: EventBus, useValue: parts.bus },
    { provide: Fanout, useValue: parts.fanout },
    { provide: MetricsService, useValue: parts.metrics },
    { provide: ChannelHistory, useValue: parts.history ?? new InMemoryHistory() },
    { provide: ProcessedEvents, useValue: parts.processed ?? new InMemoryProcessedEvents(60_000) },
  ];
  if (parts.readiness) providers.push({ provide: ReadinessRegistry, useValue: parts.readiness });
  return {
    module: PlatformFixtureModule,
    providers,
    exports: [EventBus, Fanout, MetricsService, ChannelHistory, ProcessedEvents, ...(parts.readiness ? [ReadinessRegistry] : [])],
  };
}
