import { logLevel as KafkaLogLevel, LogEntry, logCreator } from 'kafkajs';

/**
 * Where kafkajs logs go: the shape of Nest's `Logger` (and of any `LoggerService`), so the app's
 * pino-backed logger receives them with the rest of the service's logs.
 */
export interface EventBusLogger {
  error(message: string): void;
  warn(message: string): void;
  log(message: string): void;
  debug?(message: string): void;
}

export type KafkaLogLevelName = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export const KAFKA_LOG_LEVELS: Record<KafkaLogLevelName, KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

/** One line per kafkajs entry: `[namespace] message {extra fields}`; the level picks the method. */
export function kafkaLogCreator(logger: EventBusLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...fields } = log;
      const extra: Record<string, unknown> = fields;
      // timestamp and logger name are noise here: the app's logger stamps its own.
      delete extra['timestamp'];
      delete extra['logger'];
      const details = Object.keys(extra).length > 0 ? ` ${safeJson(extra)}` : '';
      const line = `[kafkajs${namespace ? `:${namespace}` : ''}] ${message}${details}`;
      if (level === KafkaLogLevel.ERROR) logger.error(line);
      else if (level === KafkaLogLevel.WARN) logger.warn(line);
      else if (level === KafkaLogLevel.INFO) logger.log(line);
      else logger.debug?.(line);
    };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserialisable]';
  }
}
