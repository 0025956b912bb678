import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { testEnvelope } from '@shopnest/testing';
import { EventBusConfig } from './event-bus.config';
import { EventBusModule } from './event-bus.module';
import { EventBus } from './event-bus.port';
import { KafkaEventBus } from './kafka/kafka-event-bus';
import { InMemoryEventBus } from './memory/in-memory-event-bus';

/** Stands in for ObservabilityModule, which provides the registry globally in the apps. */
@Global()
@Module({ providers: [ReadinessRegistry], exports: [ReadinessRegistry] })
class FakeObservabilityModule {}

describe('EventBusModule', () => {
  it('provides the in-memory adapter for driver memory, and closes it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EventBusModule.forRoot({ driver: 'memory' })],
    }).compile();
    await moduleRef.init();
    const bus = moduleRef.get(EventBus);
    expect(bus).toBeInstanceOf(InMemoryEventBus);
    await moduleRef.close();
    await expect(bus.publish('t', [])).rejects.toThrow(/closed/);
  });

  it('uses a shared adapter as given and leaves it open on shutdown, for its owner to close', async () => {
    const shared = new InMemoryEventBus();
    const moduleRef = await Test.createTestingModule({
      imports: [EventBusModule.forRoot({ driver: 'memory' }, { shared })],
    }).compile();
    await moduleRef.init();
    expect(moduleRef.get(EventBus)).toBe(shared);
    await moduleRef.close();
    await expect(shared.publish('t', [])).resolves.toBeUndefined();
    await shared.close();
  });

  it('fails start-up naming the brokers when Kafka is unreachable, after registering the kafka probe', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        FakeObservabilityModule,
        EventBusModule.forRoot({ driver: 'kafka', kafka: { brokers: ['127.0.0.1:1'], clientId: 'test' } }),
      ],
    })
      .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
      .compile();
    expect(moduleRef.get(EventBus)).toBeInstanceOf(KafkaEventBus);
    expect(
      moduleRef
        .get(ReadinessRegistry)
        .entries()
        .map(([name]) => name),
    ).toEqual(['kafka']);
    await expect(moduleRef.init()).rejects.toThrow('Kafka at 127.0.0.1:1 unreachable');
    // Nest's close() re-throws the failed init, so release the client directly.
    await moduleRef.get(EventBus).close();
  });

  it('with connectAtStart false, starts while Kafka is unreachable and reports it on first use instead', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot(
          { driver: 'kafka', kafka: { brokers: ['127.0.0.1:1'], clientId: 'test' } },
          { connectAtStart: false, readinessProbe: false },
        ),
      ],
    })
      .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
      .compile();
    await moduleRef.init();
    const bus = moduleRef.get(EventBus);
    await expect(bus.publish('t', [{ key: 'k', event: testEnvelope('k', 1) }])).rejects.toThrow(
      'Kafka at 127.0.0.1:1 unreachable',
    );
    await moduleRef.close();
  });

  it('refuses a config it cannot serve before anything starts', () => {
    expect(() => EventBusModule.forRoot({ driver: 'kafka' })).toThrow(/kafka\.brokers/);
    expect(() => EventBusModule.forRoot({ driver: 'rabbit' } as unknown as EventBusConfig)).toThrow(
      /unknown driver "rabbit"/,
    );
  });
});
