import type { EachBatchPayload, KafkaMessage } from 'kafkajs';

/** What {@link consumeByKey} uses of kafkajs's `eachBatch` payload. */
export type KeyedBatchPayload = Pick<EachBatchPayload, 'resolveOffset' | 'heartbeat' | 'isRunning' | 'isStale'> & {
  batch: { messages: KafkaMessage[] };
};

/**
 * Handles one fetched batch of a partition: the messages of one key one at a time, in offset
 * order; up to `keyConcurrency` keys side by side (messages without a key count as one key).
 *
 * - An offset is resolved (so auto-commit may commit it) only once its message and every earlier
 *   one of the batch were handled: a crash or a rebalance redelivers from the first unhandled one.
 * - A rejecting handler stops its key (its later messages are not handed out) and no new message
 *   starts; once every message in hand settled, the batch rejects with that error, so kafkajs
 *   re-fetches from the first unresolved offset. Messages of other keys that resolved after it
 *   come again: at-least-once, as the port says.
 * - Stops handing out messages when the consumer stops or the partition was sought (`isStale`),
 *   and returns once those in hand settled.
 * - Heartbeats after each message, so a long batch keeps the group membership (kafkajs sends one
 *   only every `heartbeatInterval`); a heartbeat's error (a rebalance) ends the batch like a handler's.
 */
export async function consumeByKey(
  payload: KeyedBatchPayload,
  keyConcurrency: number,
  handle: (message: KafkaMessage) => Promise<void>,
  failure: (error: unknown, message: KafkaMessage) => Error,
): Promise<void> {
  const { messages } = payload.batch;
  const lanes = new Map<string, number[]>();
  messages.forEach((message, index) => {
    const key = message.key?.toString('binary') ?? '';
    const lane = lanes.get(key);
    if (lane) lane.push(index);
    else lanes.set(key, [index]);
  });
  const queue = [...lanes.values()];
  const handled = new Array<boolean>(messages.length).fill(false);
  let resolvedUpTo = 0;
  let error: Error | undefined;
  const goOn = () => error === undefined && payload.isRunning() && !payload.isStale();

  const runLane = async (lane: number[]): Promise<void> => {
    for (const index of lane) {
      if (!goOn()) return;
      const message = messages[index];
      try {
        await handle(message);
      } catch (cause) {
        error ??= failure(cause, message);
        return;
      }
      handled[index] = true;
      const before = resolvedUpTo;
      while (resolvedUpTo < messages.length && handled[resolvedUpTo]) resolvedUpTo++;
      if (resolvedUpTo > before) payload.resolveOffset(messages[resolvedUpTo - 1].offset);
      try {
        await payload.heartbeat();
      } catch (cause) {
        error ??= cause instanceof Error ? cause : new Error(String(cause));
        return;
      }
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length && goOn()) await runLane(queue[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, keyConcurrency), queue.length) }, worker));
  if (error) throw error;
}
