import { Envelope } from '@shopnest/contracts';
import { connectRedis, pingRedis, quitRedis } from '@shopnest/platform-redis';
import Redis from 'ioredis';
import { SnapshotReducer } from '../channel-publisher.port';
import {
  ChannelHistory,
  ChannelSnapshot,
  DEFAULT_HISTORY_KEY_PREFIX,
  DEFAULT_HISTORY_LIMITS,
  HistoryEntry,
  HistoryLimits,
  HistoryRead,
} from '../channel-history.port';
import { isOffset, recoveredSince } from '../offsets';

export interface RedisStreamsHistoryOptions extends Partial<HistoryLimits> {
  /** Prefix of every key (default `history:`); writers and readers must agree, tests use a unique one. */
  keyPrefix?: string;
}

/**
 * KEYS: stream, event-id key, snapshot hash. ARGV: event id, event JSON, max length, max age ms,
 * dedupe TTL ms, and, to push in the same step, a Redis channel, a message and the placeholder in it
 * to replace with the offset (empty strings: append only); then the snapshot revision the new state
 * was reduced from ('0': none) and the new state's JSON (empty: leave the snapshot alone). Returns
 * `{ offset, 1 }`, `{ first offset, 0 }` for an id already appended (then nothing is pushed: the
 * first append pushed it), or `{ '', 2 }` when the snapshot moved on since it was read (nothing is
 * written: reduce again from the newer one).
 *
 * One script, so the id check, the append, the trims, the id record and the PUBLISH are atomic:
 * two writers appending the same event cannot both add it, and a channel's pushes leave Redis in
 * offset order whoever sends them. The new entry's own id gives "now" for the age trim (Redis'
 * clock, the same one that issues offsets), so no TIME call is needed.
 *
 * The message is msgpack (the socket.io Redis adapter protocol) holding the placeholder as a
 * 32-byte string (header 0xd9 0x20); it is replaced by the offset with its own string header
 * (fixstr below 32 bytes, str8 above), checked before anything is written.
 */
const APPEND_SCRIPT = `
local existing = redis.call('GET', KEYS[2])
if existing then return {existing, 0} end
if ARGV[10] ~= '' and (redis.call('HGET', KEYS[3], 'r') or '0') ~= ARGV[9] then return {'', 2} end
local at
if ARGV[6] ~= '' then
  at = string.find(ARGV[7], ARGV[8], 1, true)
  if not at or at < 3 or string.byte(ARGV[7], at - 2) ~= 0xd9 or string.byte(ARGV[7], at - 1) ~= 32 then
    return redis.error_reply('ERR shopnest publish: no 32-byte offset placeholder in the message')
  end
end
local offset = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], '*', 'id', ARGV[1], 'e', ARGV[2])
local ms = tonumber(string.match(offset, '^(%d+)-'))
local minId = ms - tonumber(ARGV[4])
if minId > 0 then redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f', minId)) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], offset, 'PX', ARGV[5])
if ARGV[10] ~= '' then
  redis.call('HSET', KEYS[3], 'o', offset, 's', ARGV[10], 'r', tonumber(ARGV[9]) + 1)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
if at then
  local header = #offset < 32 and string.char(0xa0 + #offset) or string.char(0xd9, #offset)
  redis.call('PUBLISH', ARGV[6], string.sub(ARGV[7], 1, at - 3) .. header .. offset .. string.sub(ARGV[7], at + 32))
end
return {offset, 1}
`;

/**
 * KEYS: volatile key, snapshot hash. ARGV: event JSON, max age ms, Redis channel, message, snapshot
 * revision and new state JSON (as for the append; the offset stays, and no snapshot yet means no
 * write). Keeps the latest and pushes it, in one step; returns 2, writing nothing, on a moved snapshot.
 */
const VOLATILE_SCRIPT = `
if ARGV[6] ~= '' then
  local rev = redis.call('HGET', KEYS[2], 'r') or '0'
  if rev ~= ARGV[5] then return 2 end
  if rev ~= '0' then redis.call('HSET', KEYS[2], 's', ARGV[6], 'r', tonumber(rev) + 1) end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

/** A push sent in the same step as the append: the PUBLISH of the socket.io Redis adapter protocol. */
export interface AtomicPush {
  channel: string;
  /** The encoded message, holding {@link OFFSET_PLACEHOLDER_LENGTH} bytes of `placeholder` where the offset goes. */
  message: Buffer;
  placeholder: string;
}

/** Length of the placeholder an {@link AtomicPush} carries in place of the offset. */
export const OFFSET_PLACEHOLDER_LENGTH = 32;

type StreamEntry = [id: string, fields: string[]];

/** Rounds of read-reduce-write a publish tries when other writers keep moving the snapshot on. */
const MAX_SNAPSHOT_ATTEMPTS = 20;

/** A random pause that grows with the attempts, so racing writers stop colliding in lockstep. */
const contentionPause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 10)));

const snapshotContended = (channel: string) =>
  new Error(
    `${channel}: the snapshot kept changing under ${MAX_SNAPSHOT_ATTEMPTS} attempts to publish; nothing was written`,
  );

interface HistoryCommands {
  shopnestHistoryAppend(
    stream: string,
    idKey: string,
    ...args: (string | number | Buffer)[]
  ): Promise<[offset: string, added: 0 | 1 | 2]>;
  shopnestHistoryVolatile(
    volatileKey: string,
    snapshotKey: string,
    ...args: (string | number | Buffer)[]
  ): Promise<number>;
}

/**
 * {@link ChannelHistory} on Redis Streams: one stream per channel, `XADD` ids as offsets, shared by
 * every worker (writing) and edge (reading).
 *
 * Keys, per channel `c` (the `{c}` hash tag keeps them in one Redis Cluster slot):
 * `<prefix>{c}:stream` (the events; `MAXLEN` and `MINID` trimmed exactly on each append, expires
 * `maxAgeMs` after the last append), `<prefix>{c}:volatile` (latest volatile event, same expiry),
 * `<prefix>{c}:id:<eventId>` (offset of an appended id, for `dedupeTtlMs`), `<prefix>{c}:snapshot`
 * (hash: state `s`, offset `o`, revision `r` for compare-and-set; expires with the stream). Exact rather than
 * `~` trimming: the caps are guarantees a client can rely on, and at ~1000 entries per stream
 * the extra cost per append is small.
 *
 * Offsets are Redis Stream ids (`<ms>-<seq>`, Redis' clock), so they keep increasing across
 * worker restarts. The adapter owns its Redis connection; `close()` quits it.
 *
 * @example
 * const history = await RedisStreamsHistory.connect('redis://127.0.0.1:6379', { maxLength: 1000 });
 * const offset = await history.append('order:42', event);
 */
export class RedisStreamsHistory extends ChannelHistory {
  private readonly limits: HistoryLimits;
  private readonly prefix: string;
  private readonly commands: HistoryCommands;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    options: RedisStreamsHistoryOptions = {},
  ) {
    super();
    const { keyPrefix, ...limits } = options;
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
    this.prefix = keyPrefix ?? DEFAULT_HISTORY_KEY_PREFIX;
    // defineCommand sends EVALSHA, falling back to EVAL once per connection when the script is not cached.
    redis.defineCommand('shopnestHistoryAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
    redis.defineCommand('shopnestHistoryVolatile', { numberOfKeys: 2, lua: VOLATILE_SCRIPT });
    this.commands = redis as unknown as HistoryCommands;
  }

  /**
   * Opens a fail-fast Redis connection (see `connectRedis`) and a history that owns it. The
   * connection auto-pipelines: the commands of one event-loop turn (a worker's appends for the
   * events of a batch, an edge's reads for a burst of subscribes) leave in one write, where each
   * write to Redis costs a system call that dominated the worker's profile.
   */
  static async connect(url: string, options: RedisStreamsHistoryOptions = {}): Promise<RedisStreamsHistory> {
    const redis = await connectRedis(url, { connectionName: 'channel-history', enableAutoPipelining: true });
    return new RedisStreamsHistory(redis, options);
  }

  async append(channel: string, event: Envelope): Promise<string> {
    return (await this.appendAndPush(channel, event)).offset;
  }

  /**
   * Appends `event` and, in the same Redis script, sends `push` with the new offset in place of
   * its placeholder (see `RedisChannelPublisher`) and, with `reduce`, stores the channel's next
   * snapshot with that offset. An id appended before returns its first offset, `added: false`, and
   * pushes nothing. A snapshot written by another writer between the read and the script makes the
   * script write nothing; the state is then reduced again from the newer snapshot.
   */
  async appendAndPush<S>(
    channel: string,
    event: Envelope,
    push?: AtomicPush,
    reduce?: SnapshotReducer<S>,
  ): Promise<{ offset: string; added: boolean }> {
    this.assertOpen();
    const keys = this.keys(channel);
    if (push && Buffer.byteLength(push.placeholder) !== OFFSET_PLACEHOLDER_LENGTH) {
      throw new Error(`appendAndPush: the placeholder must be ${OFFSET_PLACEHOLDER_LENGTH} bytes`);
    }
    for (let attempt = 1; ; attempt++) {
      const [revision, state] = await this.nextSnapshot(keys.snapshot, reduce);
      const [offset, added] = await this.commands.shopnestHistoryAppend(
        keys.stream,
        keys.id(event.id),
        keys.snapshot,
        event.id,
        JSON.stringify(event),
        this.limits.maxLength,
        this.limits.maxAgeMs,
        this.limits.dedupeTtlMs,
        push?.channel ?? '',
        push?.message ?? '',
        push?.placeholder ?? '',
        revision,
        state,
      );
      if (added !== 2) return { offset, added: added === 1 };
      if (attempt >= MAX_SNAPSHOT_ATTEMPTS) throw snapshotContended(channel);
      await contentionPause(attempt);
    }
  }

  /** Keeps `event` as the channel's latest volatile event and sends `push`, in one Redis script; with `reduce`, updates the snapshot's state too. */
  async keepLatestVolatileAndPush<S>(
    channel: string,
    event: Envelope,
    push: Omit<AtomicPush, 'placeholder'>,
    reduce?: SnapshotReducer<S>,
  ): Promise<void> {
    this.assertOpen();
    const keys = this.keys(channel);
    for (let attempt = 1; ; attempt++) {
      const [revision, state] = await this.nextSnapshot(keys.snapshot, reduce);
      const written = await this.commands.shopnestHistoryVolatile(
        keys.volatile,
        keys.snapshot,
        JSON.stringify(event),
        this.limits.maxAgeMs,
        push.channel,
        push.message,
        revision,
        state,
      );
      if (written !== 2) return;
      if (attempt >= MAX_SNAPSHOT_ATTEMPTS) throw snapshotContended(channel);
      await contentionPause(attempt);
    }
  }

  async snapshot(channel: string): Promise<ChannelSnapshot | null> {
    this.assertOpen();
    const [offset, state] = await this.redis.hmget(this.keys(channel).snapshot, 'o', 's');
    return offset && state ? { offset, state: JSON.parse(state) as unknown } : null;
  }

  /** The script's snapshot arguments: the revision read and the reduced state's JSON ('' without `reduce` or when it gives `null`). */
  private async nextSnapshot<S>(key: string, reduce?: SnapshotReducer<S>): Promise<[revision: string, json: string]> {
    if (!reduce) return ['0', ''];
    const [revision, state] = await this.redis.hmget(key, 'r', 's');
    const next = reduce(state ? (JSON.parse(state) as S) : null);
    return [revision ?? '0', next === null ? '' : JSON.stringify(next)];
  }

  async readSince(channel: string, since?: string): Promise<HistoryRead> {
    this.assertOpen();
    const { stream } = this.keys(channel);
    if (since === undefined || !isOffset(since)) {
      const all = (await this.redis.xrange(stream, '-', '+')) as StreamEntry[];
      return { events: all.map(toEntry), recovered: since === undefined };
    }
    // One MULTI: the oldest kept entry and the entries after `since` come from the same state.
    const replies = await this.redis
      .multi()
      .xrange(stream, '-', '+', 'COUNT', 1)
      .xrange(stream, `(${since}`, '+')
      .exec();
    const [oldest, after] = (replies ?? []).map(([error, reply]) => {
      if (error) throw error;
      return reply as StreamEntry[];
    });
    const oldestKept = oldest?.[0]?.[0];
    if (recoveredSince(since, oldestKept)) return { events: (after ?? []).map(toEntry), recovered: true };
    const all = (await this.redis.xrange(stream, '-', '+')) as StreamEntry[];
    return { events: all.map(toEntry), recovered: false };
  }

  async latest(channel: string): Promise<HistoryEntry | null> {
    this.assertOpen();
    const [last] = (await this.redis.xrevrange(this.keys(channel).stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return last ? toEntry(last) : null;
  }

  async keepLatestVolatile(channel: string, event: Envelope): Promise<void> {
    this.assertOpen();
    await this.redis.set(this.keys(channel).volatile, JSON.stringify(event), 'PX', this.limits.maxAgeMs);
  }

  async latestVolatile(channel: string): Promise<Envelope | null> {
    this.assertOpen();
    const json = await this.redis.get(this.keys(channel).volatile);
    return json === null ? null : (JSON.parse(json) as Envelope);
  }

  /** Readiness: Redis answers PING. */
  ping(): Promise<void> {
    return pingRedis(this.redis);
  }

  async close(): Promise<void> {
    this.closed = true;
    await quitRedis(this.redis);
  }

  private keys(channel: string) {
    const tag = `${this.prefix}{${channel}}`;
    return {
      stream: `${tag}:stream`,
      volatile: `${tag}:volatile`,
      snapshot: `${tag}:snapshot`,
      id: (eventId: string) => `${tag}:id:${eventId}`,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('RedisStreamsHistory is closed');
  }
}

function toEntry([offset, fields]: StreamEntry): HistoryEntry {
  const at = fields.indexOf('e');
  return { offset, event: JSON.parse(fields[at + 1] as string) as Envelope };
}
