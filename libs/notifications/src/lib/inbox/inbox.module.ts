import { DynamicModule, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ChannelPublisher } from '@shopnest/platform-history';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { openMigratedSqlDatabase, SqlDatabase } from '@shopnest/platform-sql';
import { InboxController } from './inbox.controller';
import { InboxConfig } from './inbox.config';
import { InboxRetention } from './inbox-retention';
import { InboxService } from './inbox.service';
import { InboxStore } from './inbox-store.port';
import { INBOX_CONFIG } from './inbox.tokens';
import { INBOX_MIGRATIONS } from './migrations';
import { SqlInboxStore } from './sql-inbox-store';

/** The inbox database, opened and migrated at start-up; closed on shutdown. */
class InboxDatabase implements OnApplicationShutdown {
  constructor(readonly db: SqlDatabase) {}

  static async open(config: InboxConfig['store']): Promise<InboxDatabase> {
    const { db, summary } = await openMigratedSqlDatabase(config, INBOX_MIGRATIONS, {
      applicationName: 'notification-worker',
    });
    new Logger('InboxDatabase').log(`inbox in ${summary}`);
    return new InboxDatabase(db);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/**
 * Every user's notification inbox: SQL store (PostgreSQL, or PGlite in the one-process mode),
 * REST API, live `inbox.*` pushes and retention. Global, so the event consumers find
 * {@link InboxService} and keep each user notification they push. Needs `AuthModule` (guard) and
 * the global `ChannelPublisher`; registers a `inbox-database` readiness probe when there is a registry.
 *
 * @example
 * InboxModule.forRoot(parseEnv(inboxEnvSchema, process.env))
 */
@Module({})
export class InboxModule {
  static forRoot(config: InboxConfig, options: { store?: InboxStore } = {}): DynamicModule {
    return {
      module: InboxModule,
      global: true,
      controllers: [InboxController],
      providers: [
        { provide: INBOX_CONFIG, useValue: config },
        ...(options.store
          ? [{ provide: InboxStore, useValue: options.store }]
          : [
              {
                provide: InboxDatabase,
                useFactory: async (readiness?: ReadinessRegistry) => {
                  const database = await InboxDatabase.open(config.store);
                  readiness?.register('inbox-database', async () => void (await database.db.query('SELECT 1')));
                  return database;
                },
                inject: [{ token: ReadinessRegistry, optional: true }],
              },
              {
                provide: InboxStore,
                useFactory: (d: InboxDatabase) => new SqlInboxStore(d.db),
                inject: [InboxDatabase],
              },
            ]),
        {
          provide: InboxService,
          useFactory: (store: InboxStore, publisher: ChannelPublisher) => new InboxService(store, publisher),
          inject: [InboxStore, ChannelPublisher],
        },
        InboxRetention,
      ],
      exports: [InboxService, InboxStore],
    };
  }
}
