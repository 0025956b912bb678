import { DynamicModule, Module } from '@nestjs/common';
import { EdgeModule } from '../edge.module';
import { AuthModule, TokenRevocationModule } from '@shopnest/platform-auth';
import { ChannelHistory, HistoryModule } from '@shopnest/platform-history';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { PresenceModule } from '@shopnest/platform-presence';
import { RateLimitModule } from '@shopnest/platform-rate-limit';
import { ConnectionEdgeConfig, CONNECTION_EDGE } from './connection-edge.config';

/** In-process adapters the one-process mode shares with the other services; their owner closes them. */
export interface ConnectionEdgeShared {
  history?: ChannelHistory;
}

/**
 * connection-edge: observability, token verification, rate-limit store, channel history, presence and the
 * socket.io + SSE edge. The socket.io adapter is installed with `useEdgeSocketAdapter`.
 */
@Module({})
export class ConnectionEdgeModule {
  static forRoot(config: ConnectionEdgeConfig, shared: ConnectionEdgeShared = {}): DynamicModule {
    return {
      module: ConnectionEdgeModule,
      imports: [
        ObservabilityModule.forRoot({ service: CONNECTION_EDGE, logLevel: config.logLevel }),
        AuthModule.forRoot(config.jwt),
        RateLimitModule.forRoot(config.rateLimit),
        TokenRevocationModule.forRoot(config.revocation),
        HistoryModule.forRoot(config.history, { shared: shared.history }),
        PresenceModule.forRoot(config.presence),
        EdgeModule.forRoot(config.edge),
      ],
    };
  }
}
