import { DynamicModule, Global, Module } from '@nestjs/common';
import { EventBus } from '@shopnest/platform-event-bus';
import { Fanout } from '@shopnest/platform-fanout';
import { MetricsService } from '@shopnest/platform-observability';

@Global()
@Module({})
class PlatformFixtureModule {}

/** Stands in for EventBusModule, FanoutModule and ObservabilityModule (all global in the app). */
export function platformFixture(bus: EventBus, fanout: Fanout, metrics: MetricsService): DynamicModule {
  return {
    module: PlatformFixtureModule,
    providers: [
      { provide: EventBus, useValue: bus },
      { provide: Fanout, useValue: fanout },
      { provide: MetricsService, useValue: metrics },
    ],
    exports: [EventBus, Fanout, MetricsService],
  };
}
