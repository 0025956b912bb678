/**
 * Headers the worker adds to a dead letter, beside the original record's own (`ce_*`,
 * `content-type`). Documented in docs/operations.md, "Dead letters".
 */
export const DLQ_HEADERS = {
  /** `undecodable`, `invalid` or `failed`. */
  reason: 'dlq-reason',
  /** The last error, at most 1000 characters. */
  error: 'dlq-error',
  /** Tries before giving up (`failed` only). */
  attempts: 'dlq-attempts',
  /** Where the record was read from: topic (contract name, without `KAFKA_TOPIC_PREFIX`), partition, offset. */
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  group: 'dlq-consumer-group',
  /** ISO 8601. */
  failedAt: 'dlq-failed-at',
  /**
   * How many times the record has been re-driven from a dead-letter topic: set by a re-drive, kept
   * when the re-driven record is dead-lettered again. Absent means 0.
   */
  redriveCount: 'dlq-redrive-count',
} as const;

/** Dead-letter headers that describe one failure: dropped when a record is re-driven or dead-lettered again. */
const FAILURE_HEADERS = new Set<string>(Object.values(DLQ_HEADERS).filter((h) => h !== DLQ_HEADERS.redriveCount));

/** The record's headers without the ones a past failure added (the re-drive count stays). */
export function withoutFailureHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !FAILURE_HEADERS.has(name)));
}

/** The `dlq-redrive-count` of a record's headers; 0 when absent or unreadable. */
export function redriveCountOf(headers: Record<string, string>): number {
  const count = Number(headers[DLQ_HEADERS.redriveCount]);
  return Number.isInteger(count) && count > 0 ? count : 0;
}

/** Where the dead letters of a consumed topic go. */
export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;

/** Where operators' decisions on those dead letters (re-driven, dropped) are recorded. */
export const decisionsTopicOf = (topic: string): string => `${deadLetterTopicOf(topic)}.decisions`;
