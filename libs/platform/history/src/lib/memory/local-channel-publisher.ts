import { Envelope } from '@shopnest/contracts';
import { Fanout } from '@shopnest/platform-fanout';
import { ChannelPublisher, PublishOptions, Published } from '../channel-publisher.port';
import { InMemoryHistory } from './in-memory-history';

/**
 * {@link ChannelPublisher} for one process: appends to `history` and emits through `fanout` (the
 * in-process socket.io server), one publish at a time, so no other publish can come between an
 * append and its push; a failed emit withdraws its append. Neither the history nor the fanout is closed by `close()`: their owner
 * closes them.
 *
 * @example
 * const publisher = new LocalChannelPublisher(new InMemoryHistory(), localFanout);
 */
export class LocalChannelPublisher extends ChannelPublisher {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly history: InMemoryHistory,
    private readonly fanout: Fanout,
  ) {
    super();
  }

  publish<S>(channel: string, event: Envelope, options: PublishOptions<S> = {}): Promise<Published> {
    return this.serially(async () => {
      const before = this.history.snapshotSync(channel);
      const published = this.history.appendReporting(channel, event, options.snapshot);
      if (!published.added) return published;
      try {
        await this.fanout.emit({ channel, offset: published.offset, event });
      } catch (error) {
        // Both or neither: a retry appends, reduces and pushes afresh.
        this.history.withdrawLatest(channel, event.id, before);
        throw error;
      }
      return published;
    });
  }

  publishVolatile<S>(channel: string, event: Envelope, options: PublishOptions<S> = {}): Promise<void> {
    return this.serially(async () => {
      this.history.keepLatestVolatileReducing(channel, event, options.snapshot);
      // Not socket.io-volatile: a dropped last position would stay the client's latest (see the port).
      await this.fanout.emit({ channel, event });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('LocalChannelPublisher is closed'));
    const result = this.queue.then(step, step);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
