import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { EventBusConfig, EVENT_BUS_DRIVERS } from './event-bus.config';
import { EventBus } from './event-bus.port';
import { KafkaEventBus, TopicPartitions } from './kafka/kafka-event-bus';
import { InMemoryEventBus } from './memory/in-memory-event-bus';

/**
 * Provides the {@link EventBus} token with the adapter `config.driver` names. The adapter
 * connects in `onModuleInit` (the Kafka one fails start-up within about a second, naming the
 * brokers) and is closed on application shutdown, unless it was passed in as `options.shared`.
 * With Kafka, a readiness probe named `kafka` is registered with `ReadinessRegistry` when the app
 * has `ObservabilityModule`, and the topics in `options.topics` are created if missing on connect,
 * before any provider can publish or consume.
 *
 * @example
 * EventBusModule.forRoot(parseEnv(eventBusEnvSchema, process.env))
 */
export interface EventBusModuleOptions {
  /** Created if missing whenever the bus connects, before any provider can publish or consume. */
  topics?: TopicPartitions[];
  /**
   * Whether Kafka's health counts towards `/health/ready` (default true). A service that keeps
   * serving while Kafka is down (order-tracking, through its outbox) turns it off.
   */
  readinessProbe?: boolean;
  /**
   * Whether start-up fails when Kafka is unreachable (default true). False: the service starts
   * and the bus connects (creating `topics`) on first use, retrying on each later one; for a
   * producer that keeps its events in an outbox meanwhile (order-tracking).
   */
  connectAtStart?: boolean;
  /**
   * An adapter the caller built and closes, used instead of one built from `config`: the
   * one-process mode shares one in-memory bus between its services. The module does not close it.
   */
  shared?: EventBus;
}

/** Whether the module built its adapter (and so closes it). */
const OWNS_ADAPTER = Symbol('EventBusModule.ownsAdapter');

@Global()
@Module({})
export class EventBusModule implements OnApplicationShutdown {
  constructor(
    private readonly bus: EventBus,
    @Inject(OWNS_ADAPTER) private readonly ownsAdapter: boolean,
  ) {}

  static forRoot(config: EventBusConfig, options: EventBusModuleOptions = {}): DynamicModule {
    const { shared } = options;
    const create = shared ? () => shared : adapterFactory(config, options); // a bad config throws here, before anything starts
    return {
      module: EventBusModule,
      providers: [
        {
          provide: EventBus,
          useFactory: (readiness?: ReadinessRegistry) => {
            const bus = create();
            // The Kafka adapter creates `options.topics` whenever it connects: at start-up, or on first use.
            if (bus instanceof KafkaEventBus && (options.readinessProbe ?? true))
              readiness?.register('kafka', () => bus.ping());
            return bus;
          },
          inject: [{ token: ReadinessRegistry, optional: true }],
        },
        { provide: OWNS_ADAPTER, useValue: !shared },
      ],
      exports: [EventBus],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsAdapter) await this.bus.close();
  }
}

function adapterFactory(config: EventBusConfig, options: EventBusModuleOptions): () => EventBus {
  switch (config.driver) {
    case 'memory':
      return () => new InMemoryEventBus();
    case 'kafka': {
      const kafka = config.kafka;
      if (!kafka || kafka.brokers.length === 0) throw new Error('EventBusModule: driver kafka needs kafka.brokers');
      const { sessionTimeoutMs, consumerConcurrency, keyConcurrency, ...client } = kafka;
      const consumer = {
        // Heartbeats a tenth of the session apart, as Kafka recommends (at most a third).
        ...(sessionTimeoutMs && {
          sessionTimeout: sessionTimeoutMs,
          heartbeatInterval: Math.floor(sessionTimeoutMs / 10),
        }),
        ...(consumerConcurrency && { partitionsConsumedConcurrently: consumerConcurrency }),
        ...(keyConcurrency && { keysConsumedConcurrently: keyConcurrency }),
      };
      // Joining a group on a missing topic fails: the bus creates them on connect, before anyone consumes.
      const { topics, connectAtStart } = options;
      return () => new KafkaEventBus({ ...client, consumer, topics, connectAtStart, logger: new Logger('EventBus') });
    }
    default:
      throw new Error(
        `EventBusModule: unknown driver ${JSON.stringify(config.driver)}; use ${EVENT_BUS_DRIVERS.join('|')}`,
      );
  }
}
