import { DynamicModule, Module } from '@nestjs/common';
import { EdgeModule } from '@shopnest/edge';
import { AuthModule } from '@shopnest/platform-auth';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { EdgeConfig, SERVICE } from './edge.config';

/** connection-edge: observability, token verification and the socket.io edge; the adapter is installed in main.ts. */
@Module({})
export class AppModule {
  static forRoot(config: EdgeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: SERVICE, logLevel: config.logLevel }),
        AuthModule.forRoot(config.jwt),
        EdgeModule.forRoot(config.edge),
      ],
    };
  }
}
