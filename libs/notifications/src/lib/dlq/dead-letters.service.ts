import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DEAD_LETTER_REASONS,
  DeadLetterDecision,
  DeadLetterFilter,
  DeadLetterStatus,
  DeadLetterView,
  DropResponse,
  ErrorCode,
  ListDeadLettersResponse,
  RedriveBody,
  RedriveResponse,
} from '@shopnest/contracts';
import { EventBus, IncomingMessage, PartitionOffset } from '@shopnest/platform-event-bus';
import { MetricsService } from '@shopnest/platform-observability';
import {
  decisionsTopicOf,
  deadLetterTopicOf,
  DLQ_HEADERS,
  redriveCountOf,
  withoutFailureHeaders,
} from './dead-letter-headers';

/** What the dead-letter tools need to know: the topics the worker consumes (each has a `<topic>.dlq`). */
export interface DeadLettersOptions {
  topics: string[];
  /** Records read per partition in one go while scanning a dead-letter topic (default 500). */
  scanPageSize?: number;
  /** Characters of a payload's preview (default 512). */
  previewChars?: number;
}

/** DI token of {@link DeadLettersOptions}. */
export const DEAD_LETTERS_OPTIONS = Symbol('DEAD_LETTERS_OPTIONS');

/** A refusal with the API's error code: unknown topic or dead letter, a decision already taken, a bad cursor. */
export class DeadLetterError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, 'NOT_FOUND' | 'CONFLICT' | 'INVALID'>,
    message: string,
  ) {
    super(message);
    this.name = 'DeadLetterError';
  }
}

export interface ListOptions extends DeadLetterFilter {
  status: DeadLetterStatus | 'all';
  limit: number;
  cursor?: string;
}

/** A listing returns after reading this many pages even when it found fewer than `limit` letters: a cursor continues it. */
const MAX_LIST_ROUNDS = 4;

/** Up to this many ids, a re-drive reads each letter on its own; more, and it scans the dead-letter topic once. */
const FIND_ONE_BY_ONE = 5;

/** A record's key, bytes and headers, whether it decoded or not. */
function rawOf(message: IncomingMessage): {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
} {
  return message.kind === 'event'
    ? { key: message.key, value: message.raw.value, headers: message.raw.headers }
    : { key: message.key, value: message.value, headers: message.headers };
}

const idOf = (message: IncomingMessage): string => `${message.partition}-${message.offset}`;

/**
 * Dead letters an operator can act on, for every topic the worker consumes: list them (with the
 * decisions taken on them), re-drive them to their topic, drop them. The HTTP API
 * (`DeadLettersController`) and any tool share this code.
 *
 * - Records stay in `<topic>.dlq` (Kafka is append-only); a decision (re-driven, dropped, with who,
 *   when and why) is a record in `<topic>.dlq.decisions`, keyed by the dead letter's id, with the
 *   same retention as the dead letters, so it outlives the letter it is about.
 * - Re-drive writes the record to `<topic>` with the same key, value and headers, minus the failure's
 *   `dlq-*` headers, plus `dlq-redrive-count` + 1; the worker then handles it like any event.
 *   Only pending letters are re-driven. It is idempotent where it matters: the worker pushes an
 *   event id once (each channel's append is idempotent by id, and `ProcessedEvents` guards events
 *   with a volatile route; both `HISTORY_DEDUPE_TTL_S`), so a letter re-driven
 *   twice (two operators at once, or a crash between the re-drive and its decision record) or an
 *   event that reached the DLQ twice is delivered once.
 */
@Injectable()
export class DeadLetters {
  private readonly logger = new Logger(DeadLetters.name);
  private readonly metrics: {
    redriven: ReturnType<MetricsService['counter']>;
    dropped: ReturnType<MetricsService['counter']>;
  };
  private readonly scanPageSize: number;
  private readonly previewChars: number;

  constructor(
    private readonly bus: EventBus,
    metrics: MetricsService,
    @Inject(DEAD_LETTERS_OPTIONS) private readonly options: DeadLettersOptions,
  ) {
    this.metrics = {
      redriven: metrics.counter(
        'dead_letters_redriven_total',
        'Dead letters an operator re-drove to their topic, by topic',
        ['topic'],
      ),
      dropped: metrics.counter('dead_letters_dropped_total', 'Dead letters an operator dropped, by topic', ['topic']),
    };
    this.scanPageSize = options.scanPageSize ?? 500;
    this.previewChars = options.previewChars ?? 512;
  }

  /** The topics whose dead letters this serves. */
  get topics(): readonly string[] {
    return this.options.topics;
  }

  /** One page of dead letters of `topic` matching the filter, oldest first (per partition); `nextCursor` continues. */
  async list(topic: string, options: ListOptions): Promise<ListDeadLettersResponse> {
    const dlq = this.deadLetterTopic(topic);
    const decisions = await this.decisions(topic);
    const positions = new Map(decodeCursor(options.cursor));
    const items: DeadLetterView[] = [];
    let exhausted = false;
    for (let round = 0; round < MAX_LIST_ROUNDS && !exhausted && items.length < options.limit; round++) {
      const { messages, ends } = await this.bus.read({
        topic: dlq,
        from: [...positions].map(([partition, offset]) => ({ partition, offset: String(offset) })),
        maxPerPartition: this.scanPageSize,
      });
      for (const message of messages) {
        if (items.length >= options.limit) break;
        positions.set(message.partition, Number(message.offset) + 1);
        const view = this.view(dlq, message, decisions);
        if (matches(view, options) && (options.status === 'all' || view.status === options.status)) items.push(view);
      }
      exhausted = messages.length === 0 || ends.every((e) => (positions.get(e.partition) ?? 0) >= Number(e.offset));
    }
    return {
      topic,
      deadLetterTopic: dlq,
      items,
      ...(exhausted ? {} : { nextCursor: encodeCursor(positions) }),
    };
  }

  /** Re-drives pending dead letters (named, matching a filter, or all) to `topic`; see the class comment. */
  async redrive(topic: string, body: RedriveBody, operator: string): Promise<RedriveResponse> {
    const dlq = this.deadLetterTopic(topic);
    const decisions = await this.decisions(topic);
    const targets: IncomingMessage[] = [];
    const skipped: RedriveResponse['skipped'] = [];
    if ('ids' in body) {
      const found = await this.findAll(dlq, [...new Set(body.ids)]);
      for (const [id, message] of found) {
        const decision = decisions.get(id);
        if (!message) skipped.push({ id, why: `no dead letter ${id} in ${dlq}` });
        else if (decision) skipped.push({ id, why: `already ${decision.action}` });
        else targets.push(message);
      }
    } else {
      for await (const message of this.scan(dlq)) {
        if (decisions.has(idOf(message))) continue;
        if ('all' in body || matches(this.view(dlq, message, decisions), body.filter)) targets.push(message);
      }
    }
    const redriven: RedriveResponse['redriven'] = [];
    for (const message of targets) redriven.push(await this.redriveOne(topic, message, operator));
    return { redriven, skipped };
  }

  /** Drops a pending dead letter, recording why; it no longer lists as pending and is never re-driven. */
  async drop(topic: string, id: string, reason: string, operator: string): Promise<DropResponse> {
    const dlq = this.deadLetterTopic(topic);
    const message = await this.find(dlq, id);
    if (!message) throw new DeadLetterError('NOT_FOUND', `no dead letter ${id} in ${dlq}`);
    const earlier = (await this.decisions(topic)).get(id);
    if (earlier) throw new DeadLetterError('CONFLICT', `dead letter ${id} was already ${earlier.action}`);
    const decision: DeadLetterDecision = { action: 'dropped', reason, by: operator, at: new Date().toISOString() };
    await this.recordDecision(topic, id, decision);
    this.metrics.dropped.inc({ topic });
    this.logger.warn({ msg: 'dropped a dead letter', topic: dlq, id, reason, by: operator, ...eventOf(message) });
    return { id, status: 'dropped', decision };
  }

  private async redriveOne(
    topic: string,
    message: IncomingMessage,
    operator: string,
  ): Promise<RedriveResponse['redriven'][number]> {
    const { key, value, headers } = rawOf(message);
    const redriveCount = redriveCountOf(headers) + 1;
    await this.bus.publishRaw(topic, {
      key,
      value,
      headers: { ...withoutFailureHeaders(headers), [DLQ_HEADERS.redriveCount]: String(redriveCount) },
    });
    // After the record is on its topic: a crash in between leaves it pending, and re-driving it again is harmless.
    const id = idOf(message);
    await this.recordDecision(topic, id, {
      action: 'redriven',
      by: operator,
      at: new Date().toISOString(),
      redriveCount,
    });
    this.metrics.redriven.inc({ topic });
    const event = eventOf(message);
    this.logger.log({ msg: 're-drove a dead letter', topic, id, redriveCount, by: operator, ...event });
    return { id, eventId: event.eventId, redriveCount };
  }

  private async recordDecision(topic: string, id: string, decision: DeadLetterDecision): Promise<void> {
    await this.bus.publishRaw(decisionsTopicOf(topic), {
      key: id,
      value: Buffer.from(JSON.stringify(decision), 'utf8'),
      headers: { 'content-type': 'application/json' },
    });
  }

  /** The latest decision per dead-letter id; records that are not decisions are ignored. */
  private async decisions(topic: string): Promise<Map<string, DeadLetterDecision>> {
    const decisions = new Map<string, DeadLetterDecision>();
    for await (const message of this.scan(decisionsTopicOf(topic))) {
      const { key, value } = rawOf(message);
      const decision = parseDecision(value);
      if (key && decision) decisions.set(key, decision);
    }
    return decisions;
  }

  /** Every record of a topic, page by page, in partition then offset order. */
  private async *scan(topic: string): AsyncGenerator<IncomingMessage> {
    const from = new Map<number, string>();
    for (;;) {
      const { messages, ends } = await this.bus.read({
        topic,
        from: [...from].map(([partition, offset]) => ({ partition, offset })),
        maxPerPartition: this.scanPageSize,
      });
      for (const message of messages) {
        from.set(message.partition, String(Number(message.offset) + 1));
        yield message;
      }
      if (messages.length === 0 || ends.every((e) => Number(from.get(e.partition) ?? 0) >= Number(e.offset))) return;
    }
  }

  /** The named dead letters (undefined where there is none): one read each for a few, one scan for many. */
  private async findAll(dlq: string, ids: string[]): Promise<Map<string, IncomingMessage | undefined>> {
    const found = new Map<string, IncomingMessage | undefined>(ids.map((id) => [id, undefined]));
    if (ids.length <= FIND_ONE_BY_ONE) {
      for (const id of ids) found.set(id, await this.find(dlq, id));
      return found;
    }
    for await (const message of this.scan(dlq)) if (found.has(idOf(message))) found.set(idOf(message), message);
    return found;
  }

  private async find(dlq: string, id: string): Promise<IncomingMessage | undefined> {
    const [partition, offset] = id.split('-').map(Number);
    if (!Number.isInteger(partition) || !Number.isInteger(offset))
      throw new DeadLetterError('INVALID', `id: must be <partition>-<offset>, got ${JSON.stringify(id)}`);
    const from: PartitionOffset[] = [{ partition: partition as number, offset: String(offset) }];
    const { messages } = await this.bus.read({ topic: dlq, from, maxPerPartition: 1 });
    return messages.find((m) => idOf(m) === id);
  }

  private deadLetterTopic(topic: string): string {
    if (!this.options.topics.includes(topic)) {
      throw new DeadLetterError(
        'NOT_FOUND',
        `no dead letters kept for ${JSON.stringify(topic)}; this worker consumes ${this.options.topics.join(', ')}`,
      );
    }
    return deadLetterTopicOf(topic);
  }

  private view(dlq: string, message: IncomingMessage, decisions: Map<string, DeadLetterDecision>): DeadLetterView {
    const { key, value, headers } = rawOf(message);
    const id = idOf(message);
    const decision = decisions.get(id) ?? null;
    const reason = headers[DLQ_HEADERS.reason];
    const event = message.kind === 'event' ? message.event : undefined;
    return {
      id,
      deadLetterTopic: dlq,
      reason: DEAD_LETTER_REASONS.find((r) => r === reason) ?? 'unknown',
      error: headers[DLQ_HEADERS.error] ?? null,
      original: {
        topic: headers[DLQ_HEADERS.topic] ?? null,
        partition: intOrNull(headers[DLQ_HEADERS.partition]),
        offset: headers[DLQ_HEADERS.offset] ?? null,
      },
      failedAt: headers[DLQ_HEADERS.failedAt] ?? null,
      attempts: intOrNull(headers[DLQ_HEADERS.attempts]),
      redriveCount: redriveCountOf(headers),
      key,
      event: { id: event?.id ?? null, type: event?.type ?? null, subject: event?.subject ?? null },
      payload: value === null ? null : preview(value, this.previewChars),
      status: decision?.action ?? 'pending',
      decision,
    };
  }
}

/** Whether a dead letter passes the filter (every named field must match). */
function matches(view: DeadLetterView, filter: DeadLetterFilter): boolean {
  const failedAt = view.failedAt === null ? NaN : Date.parse(view.failedAt);
  if (filter.reason !== undefined && view.reason !== filter.reason) return false;
  if (filter.type !== undefined && view.event.type !== filter.type) return false;
  if (filter.since !== undefined && !(failedAt >= Date.parse(filter.since))) return false;
  if (filter.until !== undefined && !(failedAt < Date.parse(filter.until))) return false;
  return true;
}

function eventOf(message: IncomingMessage): { eventId: string | null; type: string | null } {
  return message.kind === 'event'
    ? { eventId: message.event.id, type: message.event.type }
    : { eventId: null, type: null };
}

function parseDecision(value: Buffer | null): DeadLetterDecision | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<DeadLetterDecision>;
    return parsed.action === 'redriven' || parsed.action === 'dropped' ? (parsed as DeadLetterDecision) : undefined;
  } catch {
    return undefined;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function preview(value: Buffer, chars: number): NonNullable<DeadLetterView['payload']> {
  let text: string;
  let encoding: 'utf8' | 'base64' = 'utf8';
  try {
    text = utf8.decode(value);
  } catch {
    text = value.toString('base64');
    encoding = 'base64';
  }
  return { bytes: value.length, encoding, preview: text.slice(0, chars), truncated: text.length > chars };
}

function intOrNull(value: string | undefined): number | null {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

/** The opaque cursor: the next offset per partition, as base64url JSON. */
function encodeCursor(positions: Map<number, number>): string {
  return Buffer.from(JSON.stringify([...positions]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): [number, number][] {
  if (cursor === undefined) return [];
  try {
    const pairs = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(pairs) &&
      pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every((n) => Number.isInteger(n) && n >= 0))
    )
      return pairs as [number, number][];
  } catch {
    // reported below
  }
  throw new DeadLetterError('INVALID', 'cursor: must be a nextCursor of an earlier page');
}
