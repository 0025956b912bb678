import { DynamicModule, Global, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { InMemoryTokenRevocations } from './memory/in-memory-token-revocations';
import { RedisTokenRevocations } from './redis/redis-token-revocations';
import { TokenRevocationConfig } from './token-revocation.config';
import { TokenRevocations } from './token-revocations.port';

export const TOKEN_REVOCATION_CONFIG = Symbol('TOKEN_REVOCATION_CONFIG');

/**
 * Provides {@link TokenRevocations} (global) on the store the config picks; with it,
 * `HandshakeAuthenticator` refuses revoked tokens. `redis` connects while the app initialises and
 * registers the readiness probe `token-revocations` (needs `ObservabilityModule`). Closed on shutdown.
 *
 * @example
 * TokenRevocationModule.forRoot({ driver: 'redis', url: config.redis.url, keyPrefix: 'shopnest:revoked:', userCutoffTtlS: 86400 })
 */
@Global()
@Module({})
export class TokenRevocationModule implements OnApplicationShutdown {
  constructor(private readonly revocations: TokenRevocations) {}

  static forRoot(config: TokenRevocationConfig): DynamicModule {
    const store: Provider =
      config.driver === 'memory'
        ? { provide: TokenRevocations, useValue: new InMemoryTokenRevocations() }
        : {
            provide: TokenRevocations,
            inject: [ReadinessRegistry],
            useFactory: async (readiness: ReadinessRegistry) => {
              const revocations = await RedisTokenRevocations.connect(config.url, config.keyPrefix);
              readiness.register('token-revocations', () => revocations.ping());
              return revocations;
            },
          };
    return {
      module: TokenRevocationModule,
      providers: [store, { provide: TOKEN_REVOCATION_CONFIG, useValue: config }],
      exports: [TokenRevocations, TOKEN_REVOCATION_CONFIG],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.revocations.close();
  }
}
