import Redis, { Command } from 'ioredis';

/** The commands `@socket.io/redis-adapter` sends without awaiting their answer. */
const UNAWAITED = new Set(['publish', 'psubscribe', 'punsubscribe', 'subscribe', 'unsubscribe']);

/**
 * The ioredis client {@link RedisIoAdapter} hands to `@socket.io/redis-adapter`. The adapter sends
 * PUBLISH (every room broadcast: presence, typing) and (P)(UN)SUBSCRIBE without awaiting them.
 * While Redis is away past `maxRetriesPerRequest`, or once the client quit, each of those rejects
 * with nobody listening, and an unhandled rejection ends a Node process: an edge went down on a
 * typing notice during a Redis outage. This client hands those failures to `onUnawaitedFailure`
 * instead. Only those commands, and only their unheard rejection: whoever awaits a command still
 * gets its error.
 *
 * Uses ioredis' public `sendCommand`, through which every command passes;
 * `redis-io.adapter.int-spec.ts` breaks Redis under a broadcast, so an adapter or ioredis release
 * that sends differently fails there.
 */
export class AdapterRedisClient extends Redis {
  onUnawaitedFailure: (command: string, error: Error) => void = () => undefined;

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const result = super.sendCommand(command, stream);
    if (UNAWAITED.has(command.name))
      command.promise.catch((error: Error) => this.onUnawaitedFailure(command.name, error));
    return result;
  }
}
