import { DynamicModule, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { SUPPORT_TOPIC } from '@shopnest/contracts';
import { EventBus } from '@shopnest/platform-event-bus';
import { MetricsService, ReadinessRegistry } from '@shopnest/platform-observability';
import { OutboxRelay, PostgresOutbox } from '@shopnest/platform-outbox';
import { openMigratedSqlDatabase, SqlDatabase } from '@shopnest/platform-sql';
import { InternalTicketsController, TicketsController } from './http/tickets.controller';
import { HttpOrderOwnership, OrderOwnership } from './order-ownership';
import { SUPPORT_MIGRATIONS, SUPPORT_OUTBOX } from './sql/migrations';
import { TicketStore } from './sql/ticket-store';
import { SupportConfig } from './support.config';
import { SupportService } from './support.service';

/** The support database, opened and migrated at start-up; closed on shutdown, after the relay stopped. */
class SupportDatabase implements OnApplicationShutdown {
  constructor(readonly db: SqlDatabase) {}

  static async open(config: SupportConfig['store']): Promise<SupportDatabase> {
    const { db, summary } = await openMigratedSqlDatabase(config, SUPPORT_MIGRATIONS, {
      applicationName: 'support-desk',
    });
    new Logger('SupportDatabase').log(`tickets in ${summary}`);
    return new SupportDatabase(db);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/**
 * Tickets and chat over REST, stored with their events in SQL (PostgreSQL, or PGlite in the
 * one-process mode) and relayed to `shopnest.support.v1` by the shared outbox relay. Needs
 * `AuthModule` (guards) and the global `EventBusModule`; uses `ObservabilityModule` when present.
 *
 * @example
 * SupportModule.forRoot(parseEnv(supportEnvSchema, process.env))
 */
@Module({})
export class SupportModule {
  static forRoot(config: SupportConfig, options: { orders?: OrderOwnership } = {}): DynamicModule {
    return {
      module: SupportModule,
      controllers: [TicketsController, InternalTicketsController],
      providers: [
        {
          provide: SupportDatabase,
          useFactory: async (readiness?: ReadinessRegistry) => {
            const database = await SupportDatabase.open(config.store);
            readiness?.register('database', async () => void (await database.db.query('SELECT 1')));
            return database;
          },
          inject: [{ token: ReadinessRegistry, optional: true }],
        },
        { provide: TicketStore, useFactory: (d: SupportDatabase) => new TicketStore(d.db), inject: [SupportDatabase] },
        { provide: OrderOwnership, useValue: options.orders ?? new HttpOrderOwnership(config.orders) },
        {
          provide: OutboxRelay,
          useFactory: (d: SupportDatabase, bus: EventBus, metrics?: MetricsService) =>
            new OutboxRelay(new PostgresOutbox(d.db, SUPPORT_OUTBOX), bus, SUPPORT_TOPIC, config.outbox, metrics),
          inject: [SupportDatabase, EventBus, { token: MetricsService, optional: true }],
        },
        SupportService,
      ],
      exports: [SupportService, OutboxRelay],
    };
  }
}
