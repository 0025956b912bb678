import { Injectable } from '@nestjs/common';
import {
  Envelope,
  INBOX_EVENT_TYPES,
  InboxCounts,
  InboxCountsEvent,
  InboxFilter,
  InboxItem,
  InboxItemEvent,
  InboxPage,
  MarkAllResponse,
  NOTIFICATION_WORKER_SOURCE,
  parseChannel,
  userChannel,
} from '@shopnest/contracts';
import { ChannelPublisher } from '@shopnest/platform-history';
import { v7 as uuidv7 } from 'uuid';
import { InboxItemChange, InboxStore } from './inbox-store.port';

/** An item of another user, or none: both answer 404 so ids cannot be probed. */
export class InboxItemNotFound extends Error {
  override readonly name = 'InboxItemNotFound';
  constructor(id: string) {
    super(`no inbox item ${id}`);
  }
}

/** Which events become inbox items: the notifications the worker sends to a user. */
export const isInboxNotification = (event: Envelope): boolean => event.type.startsWith('notification.');

/**
 * Every user's inbox: keeps each `notification.*` the worker pushes to `user:{id}` as an item,
 * serves the REST API, and after any change pushes `inbox.item` (the item as it now is) and
 * `inbox.counts` on the user's channel through the {@link ChannelPublisher}, so every tab and
 * device of the user agrees.
 */
@Injectable()
export class InboxService {
  /** Per user, the pushes of this process one after another: counts read later never leave before counts read earlier. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly store: InboxStore,
    private readonly publisher: ChannelPublisher,
  ) {}

  /**
   * Keeps `event` as an item when it is a notification pushed to a user's channel, and pushes it.
   * Idempotent per (user, event id): a redelivered event adds nothing, but pushes the item (as it
   * now is) and the counts again. The delivery that added it may have failed before its push
   * (Redis away), and that push is the item's only live announcement; clients replace an item by
   * its id, so a second one changes nothing.
   */
  async keep(channel: string, event: Envelope): Promise<void> {
    const parsed = parseChannel(channel);
    if (parsed?.kind !== 'user' || !isInboxNotification(event)) return;
    const data = event.data as { text?: unknown } | null;
    const item = await this.store.add(parsed.id, {
      eventId: event.id,
      type: event.type,
      text: typeof data?.text === 'string' ? data.text : '',
      subject: event.subject,
      time: event.time,
      data: event.data ?? null,
    });
    const kept = item ?? (await this.store.findByEvent(parsed.id, event.id));
    if (kept) await this.pushChange(parsed.id, [kept]);
  }

  list(userId: string, query: { cursor?: string; limit: number; filter?: InboxFilter }): Promise<InboxPage> {
    return this.store.list(userId, query);
  }

  counts(userId: string): Promise<InboxCounts> {
    return this.store.counts(userId);
  }

  async update(userId: string, id: string, change: InboxItemChange): Promise<InboxItem> {
    const result = await this.store.update(userId, id, change);
    if (!result) throw new InboxItemNotFound(id);
    if (result.changed) await this.pushChange(userId, [result.item]);
    return result.item;
  }

  /** After a bulk change only `inbox.counts` is pushed: clients showing the list refetch it. */
  async markAllRead(userId: string): Promise<MarkAllResponse> {
    return this.bulk(userId, await this.store.markAllRead(userId));
  }

  async markAllSeen(userId: string): Promise<MarkAllResponse> {
    return this.bulk(userId, await this.store.markAllSeen(userId));
  }

  private async bulk(userId: string, updated: number): Promise<MarkAllResponse> {
    const counts = updated > 0 ? await this.pushChange(userId, []) : await this.store.counts(userId);
    return { updated, counts };
  }

  /** Pushes each item, then the counts read after them; resolves with those counts. */
  private pushChange(userId: string, items: InboxItem[]): Promise<InboxCounts> {
    const channel = userChannel(userId);
    const run = (this.chains.get(userId) ?? Promise.resolve()).then(async () => {
      for (const item of items) await this.publisher.publish(channel, this.event(INBOX_EVENT_TYPES.item, userId, item));
      const counts = await this.store.counts(userId);
      await this.publisher.publish(channel, this.event(INBOX_EVENT_TYPES.counts, userId, counts));
      return counts;
    });
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(userId, settled);
    void settled.then(() => {
      if (this.chains.get(userId) === settled) this.chains.delete(userId);
    });
    return run;
  }

  private event(type: 'inbox.item', userId: string, data: InboxItem): InboxItemEvent;
  private event(type: 'inbox.counts', userId: string, data: InboxCounts): InboxCountsEvent;
  private event(type: string, userId: string, data: unknown): Envelope {
    return {
      specversion: '1.0',
      id: uuidv7(),
      type,
      source: NOTIFICATION_WORKER_SOURCE,
      subject: userId,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      // Inbox events are not versions of one aggregate: the channel's offset orders them.
      sequence: 0,
      data,
    };
  }
}
