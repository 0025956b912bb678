import { DynamicModule, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { InMemoryPresence } from './memory/in-memory-presence';
import { PRESENCE_STORES, PresenceConfig } from './presence.config';
import { Presence } from './presence.port';
import { RedisPresence } from './redis/redis-presence';

/**
 * Provides {@link Presence} (global) on the store the config picks. `redis` connects while the app
 * initialises (an unreachable Redis stops start-up, naming the URL) and registers the readiness
 * probe `presence` (needs `ObservabilityModule`). The store is closed on shutdown.
 *
 * @example
 * PresenceModule.forRoot({ driver: 'redis', url: config.redis.url, keyPrefix: 'shopnest:presence:', ttlMs: 60_000 })
 */
@Module({})
export class PresenceModule implements OnApplicationShutdown {
  constructor(private readonly presence: Presence) {}

  static forRoot(config: PresenceConfig): DynamicModule {
    return { module: PresenceModule, global: true, providers: [provider(config)], exports: [Presence] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.presence.close();
  }
}

function provider(config: PresenceConfig): Provider {
  switch (config.driver) {
    case 'memory':
      return { provide: Presence, useValue: new InMemoryPresence(config.ttlMs) };
    case 'redis':
      return {
        provide: Presence,
        inject: [ReadinessRegistry],
        useFactory: async (readiness: ReadinessRegistry) => {
          const presence = await RedisPresence.connect(config.url, {
            keyPrefix: config.keyPrefix,
            ttlMs: config.ttlMs,
          });
          readiness.register('presence', () => presence.ping());
          return presence;
        },
      };
    default:
      throw new Error(
        `PresenceModule: unknown driver ${JSON.stringify((config as { driver: unknown }).driver)}; use ${PRESENCE_STORES.join('|')}`,
      );
  }
}
