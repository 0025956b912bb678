import type { KafkaMessage } from 'kafkajs';
import { consumeByKey, KeyedBatchPayload } from './keyed-batch';

/** A batch of messages keyed as given (offsets 0, 1, ...), with a payload that records what the consumer did. */
function batchOf(keys: Array<string | null>, running = () => true) {
  const messages = keys.map(
    (key, offset) => ({ key: key === null ? null : Buffer.from(key), offset: String(offset) }) as KafkaMessage,
  );
  const resolved: string[] = [];
  let heartbeats = 0;
  const payload: KeyedBatchPayload = {
    batch: { messages },
    resolveOffset: (offset) => void resolved.push(offset),
    heartbeat: async () => void heartbeats++,
    isRunning: running,
    isStale: () => false,
  };
  return { payload, resolved, heartbeats: () => heartbeats };
}

/** A handler whose calls wait until the test settles them, one by one, by offset. */
function heldHandler() {
  const inHand = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const started: string[] = [];
  const handle = (message: KafkaMessage) =>
    new Promise<void>((resolve, reject) => {
      started.push(message.offset);
      inHand.set(message.offset, { resolve, reject });
    });
  const settle = async (offset: string, error?: Error) => {
    const call = inHand.get(offset);
    if (!call) throw new Error(`offset ${offset} is not in hand (in hand: ${[...inHand.keys()].join(', ')})`);
    inHand.delete(offset);
    if (error) call.reject(error);
    else call.resolve();
    await flush();
  };
  return { handle, settle, started, inHand: () => [...inHand.keys()] };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const failure = (error: unknown, message: KafkaMessage) => new Error(`failed at ${message.offset}: ${String(error)}`);

describe('consumeByKey', () => {
  it('hands out one message per key at a time, in offset order, up to keyConcurrency keys side by side', async () => {
    const { payload, resolved } = batchOf(['a', 'b', 'a', 'c', 'b', 'd']);
    const handler = heldHandler();
    const done = consumeByKey(payload, 3, handler.handle, failure);
    await flush();
    expect(handler.inHand()).toEqual(['0', '1', '3']); // a, b, c: d waits for a free lane

    await handler.settle('1'); // b's next (4) follows b's first
    expect(handler.inHand()).toEqual(['0', '3', '4']);
    await handler.settle('0'); // a's next (2)
    expect(handler.inHand()).toEqual(['3', '4', '2']);
    await handler.settle('2'); // a is done: its lane takes d
    await handler.settle('3');
    await handler.settle('4');
    await handler.settle('5');
    await done;

    expect(handler.started).toEqual(['0', '1', '3', '4', '2', '5']);
    // Resolved only as far as every earlier message was handled: 1 waited for 0.
    expect(resolved).toEqual(['1', '2', '3', '4', '5']);
  });

  it('at keyConcurrency 1, handles the batch one message at a time in offset order', async () => {
    const { payload } = batchOf(['a', 'b', 'a']);
    const order: string[] = [];
    await consumeByKey(payload, 1, async (m) => void order.push(m.offset), failure);
    // One lane takes key a whole (0, 2), then b (1): still one at a time, each key in order.
    expect(order).toEqual(['0', '2', '1']);
  });

  it('counts messages without a key as one key', async () => {
    const { payload } = batchOf([null, null, 'a']);
    const handler = heldHandler();
    const done = consumeByKey(payload, 4, handler.handle, failure);
    await flush();
    expect(handler.inHand()).toEqual(['0', '2']);
    await handler.settle('0');
    expect(handler.inHand()).toEqual(['2', '1']);
    await handler.settle('1');
    await handler.settle('2');
    await done;
  });

  it('on a rejection: stops that key and starts nothing new, lets the messages in hand finish, then rejects; the offset stays before the failed one', async () => {
    const { payload, resolved } = batchOf(['a', 'b', 'a', 'c']);
    const handler = heldHandler();
    const done = consumeByKey(payload, 2, handler.handle, failure);
    const outcome = done.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await flush();
    expect(handler.inHand()).toEqual(['0', '1']);

    await handler.settle('0', new Error('redis down'));
    expect(handler.inHand()).toEqual(['1']); // a's 2 is not handed out, nor is c's 3
    await handler.settle('1');
    expect(await outcome).toBe('failed at 0: Error: redis down');
    expect(handler.started).toEqual(['0', '1']);
    expect(resolved).toEqual([]); // 1 was handled, but 0 was not: kafkajs re-fetches from 0
  });

  it('stops handing out messages once the consumer stops, and returns when those in hand settled', async () => {
    let running = true;
    const { payload, resolved } = batchOf(['a', 'a', 'b'], () => running);
    const handler = heldHandler();
    const done = consumeByKey(payload, 1, handler.handle, failure);
    await flush();
    running = false;
    await handler.settle('0');
    await done;
    expect(handler.started).toEqual(['0']);
    expect(resolved).toEqual(['0']);
  });

  it('heartbeats after each handled message, and ends the batch on a heartbeat error (a rebalance)', async () => {
    const { payload, heartbeats } = batchOf(['a', 'b', 'c']);
    await consumeByKey(payload, 2, async () => undefined, failure);
    expect(heartbeats()).toBe(3);

    const rebalancing = batchOf(['a', 'a']);
    rebalancing.payload.heartbeat = async () => {
      throw new Error('The group is rebalancing');
    };
    const order: string[] = [];
    await expect(consumeByKey(rebalancing.payload, 2, async (m) => void order.push(m.offset), failure)).rejects.toThrow(
      'The group is rebalancing',
    );
    expect(order).toEqual(['0']);
    expect(rebalancing.resolved).toEqual(['0']);
  });
});
