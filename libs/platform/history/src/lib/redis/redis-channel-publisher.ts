import { Envelope } from '@shopnest/contracts';
import { DEFAULT_SOCKET_IO_KEY, emitterMessage } from '@shopnest/platform-fanout';
import { randomUUID } from 'node:crypto';
import { ChannelPublisher, PublishOptions, Published } from '../channel-publisher.port';
import { RedisStreamsHistory } from './redis-streams-history';

export interface RedisChannelPublisherOptions {
  /** The socket.io Redis channel prefix the edges' adapter listens on (default `socket.io`). */
  socketIoKey?: string;
}

/**
 * {@link ChannelPublisher} on Redis: one script appends to the channel's stream (see
 * {@link RedisStreamsHistory}) and PUBLISHes the delivery as `@socket.io/redis-emitter` encodes
 * it, with the new offset spliced in, so the edges' `@socket.io/redis-adapter` delivers it in
 * offset order. The history and the edges' adapter must share this Redis. Uses the history's
 * connection; `close()` leaves the history open for its owner to close.
 *
 * @example
 * const publisher = new RedisChannelPublisher(await RedisStreamsHistory.connect(url), { socketIoKey: 'socket.io' });
 * const { offset } = await publisher.publish('order:42', event);
 */
export class RedisChannelPublisher extends ChannelPublisher {
  private readonly key: string;
  private closed = false;

  constructor(
    private readonly history: RedisStreamsHistory,
    options: RedisChannelPublisherOptions = {},
  ) {
    super();
    this.key = options.socketIoKey ?? DEFAULT_SOCKET_IO_KEY;
  }

  async publish<S>(channel: string, event: Envelope, options: PublishOptions<S> = {}): Promise<Published> {
    this.assertOpen();
    // A random placeholder cannot occur in the event by chance; the script replaces it with the offset.
    // 32 hex digits of a UUID: Node draws those from a cached pool, randomBytes made a system call each time.
    const placeholder = randomUUID().replaceAll('-', '');
    const push = emitterMessage(this.key, channel, event.type, { channel, offset: placeholder, event });
    return this.history.appendAndPush(channel, event, { ...push, placeholder }, options.snapshot);
  }

  async publishVolatile<S>(channel: string, event: Envelope, options: PublishOptions<S> = {}): Promise<void> {
    this.assertOpen();
    await this.history.keepLatestVolatileAndPush(
      channel,
      event,
      // Not socket.io-volatile: a dropped last position would stay the client's latest (see the port).
      emitterMessage(this.key, channel, event.type, { channel, event }),
      options.snapshot,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('RedisChannelPublisher is closed');
  }
}
