import { DynamicModule, Module } from '@nestjs/common';
import { EdgeModule } from '@shopnest/edge';
import { AuthModule } from '@shopnest/platform-auth';
import { HistoryModule } from '@shopnest/platform-history';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { RateLimitModule } from '@shopnest/platform-rate-limit';
import { EdgeConfig, SERVICE } from './edge.config';

/** connection-edge: observability, token verification, rate-limit store, channel history and the socket.io + SSE edge; the adapter is installed in main.ts. */
@Module({})
export class AppModule {
  static forRoot(config: EdgeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: SERVICE, logLevel: config.logLevel }),
        AuthModule.forRoot(config.jwt),
        RateLimitModule.forRoot(config.rateLimit),
        HistoryModule.forRoot(config.history),
        EdgeModule.forRoot(config.edge),
      ],
    };
  }
}
