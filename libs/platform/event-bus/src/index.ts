export * from './lib/event-bus.port';
export * from './lib/event-bus.config';
export * from './lib/event-bus.module';
export * from './lib/memory/in-memory-event-bus';
export * from './lib/kafka/kafka-event-bus';
export type { EventBusLogger, KafkaLogLevelName } from './lib/kafka/kafka-log';
