import { PRESENCE_STATUSES, PresenceMember, PresenceStatus } from '@shopnest/contracts';
import { connectRedis, pingRedis, quitRedis } from '@shopnest/platform-redis';
import Redis from 'ioredis';
import {
  checkConnection,
  Presence,
  PresenceConnection,
  PresenceInfo,
  PresenceJoin,
  PresenceLapse,
  PresenceLeave,
  PresenceStatusChange,
  toMember,
} from '../presence.port';

// Per channel: `c:<channel>`, a sorted set of leases (member `<connectionId>\n<userId>`, score = expiry
// in Redis' own clock, so the edges' clocks never matter), and `m:<channel>`, a hash of each member's
// connection count (`n:<user>`), roles (`r:<user>`, JSON) and status (`s:<user>`). One index,
// `lapse`, scores each channel by its earliest lease expiry, so a sweep visits only channels due.
// Every change runs as one script: first/last connection detection is atomic across edges.
const LIB = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function user_of(entry) return string.sub(entry, string.find(entry, '\\n', 1, true) + 1) end
local function forget(members, user) redis.call('HDEL', members, 'n:' .. user, 'r:' .. user, 's:' .. user) end
-- Keeps the index on the channel's earliest lease; the keys' own expiry is a safety net for when
-- every edge is gone and nobody sweeps.
local function reindex(conns, members, index, channel, ttl)
  local first = redis.call('ZRANGE', conns, 0, 0, 'WITHSCORES')
  if first[2] then
    redis.call('ZADD', index, first[2], channel)
    redis.call('PEXPIRE', conns, ttl * 2)
    redis.call('PEXPIRE', members, ttl * 2)
  else
    redis.call('ZREM', index, channel)
    redis.call('DEL', members)
  end
end
`;

const JOIN = `${LIB}
local user, ttl = ARGV[2], tonumber(ARGV[5])
local joined = 0
if redis.call('ZADD', KEYS[1], now + ttl, ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[2], 'n:' .. user, 1) == 1 then
  joined = 1
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'r:' .. user, ARGV[3]) end
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 's:' .. user, ARGV[4]) end
end
reindex(KEYS[1], KEYS[2], KEYS[3], ARGV[6], ttl)
return {joined, redis.call('HGET', KEYS[2], 'r:' .. user) or '', redis.call('HGET', KEYS[2], 's:' .. user) or ''}`;

const LEAVE = `${LIB}
local user = ARGV[2]
local left = 0
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[2], 'n:' .. user, -1) <= 0 then
  forget(KEYS[2], user)
  left = 1
end
reindex(KEYS[1], KEYS[2], KEYS[3], ARGV[3], tonumber(ARGV[4]))
return left`;

// KEYS: the index, then each connection's lease set and member hash; ARGV: the TTL, then each
// connection's entry and channel. Returns the (1-based) positions of connections no longer held.
const HEARTBEAT = `${LIB}
local ttl = tonumber(ARGV[1])
local missing, touched = {}, {}
for i = 1, (#KEYS - 1) / 2 do
  local conns, entry = KEYS[2 * i], ARGV[2 * i]
  if redis.call('ZSCORE', conns, entry) then
    redis.call('ZADD', conns, now + ttl, entry)
    touched[ARGV[2 * i + 1]] = {conns, KEYS[2 * i + 1]}
  else
    table.insert(missing, i)
  end
end
for channel, keys in pairs(touched) do reindex(keys[1], keys[2], KEYS[1], channel, ttl) end
return missing`;

// Channels due are found in the index, so their keys are built here from the prefix (ARGV[1]):
// fine on one Redis (the edges' socket.io adapter needs one anyway), not on Redis Cluster.
const SWEEP = `${LIB}
local prefix, ttl = ARGV[1], tonumber(ARGV[2])
local out = {}
for _, channel in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))) do
  local conns, members = prefix .. 'c:' .. channel, prefix .. 'm:' .. channel
  for _, entry in ipairs(redis.call('ZRANGEBYSCORE', conns, '-inf', now)) do
    redis.call('ZREM', conns, entry)
    local user = user_of(entry)
    if redis.call('HINCRBY', members, 'n:' .. user, -1) <= 0 then
      forget(members, user)
      table.insert(out, channel)
      table.insert(out, user)
    end
  end
  reindex(conns, members, KEYS[1], channel, ttl)
end
return out`;

const MEMBERS = `${LIB}
local seen, out = {}, {}
for _, entry in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  local user = user_of(entry)
  if not seen[user] then
    seen[user] = true
    table.insert(out, user)
    table.insert(out, redis.call('HGET', KEYS[2], 'r:' .. user) or '')
    table.insert(out, redis.call('HGET', KEYS[2], 's:' .. user) or '')
  end
end
return out`;

const SET_STATUS = `
local user = ARGV[1]
if redis.call('HEXISTS', KEYS[1], 'n:' .. user) == 0 then return {-1, ''} end
local previous = redis.call('HGET', KEYS[1], 's:' .. user)
redis.call('HSET', KEYS[1], 's:' .. user, ARGV[2])
return {previous == ARGV[2] and 0 or 1, redis.call('HGET', KEYS[1], 'r:' .. user) or ''}`;

interface PresenceCommands {
  shopnestPresenceJoin(...args: (string | number)[]): Promise<[number, string, string]>;
  shopnestPresenceLeave(...args: (string | number)[]): Promise<number>;
  shopnestPresenceHeartbeat(numberOfKeys: number, ...args: (string | number)[]): Promise<number[]>;
  shopnestPresenceSweep(...args: (string | number)[]): Promise<string[]>;
  shopnestPresenceMembers(...args: string[]): Promise<string[]>;
  shopnestPresenceSetStatus(...args: string[]): Promise<[number, string]>;
}

/** Connections per heartbeat script call: keeps one call short, so other edges' calls are not held up. */
const HEARTBEAT_BATCH = 500;
/** Channels per sweep call, for the same reason; the next sweep goes on where this one stopped. */
const SWEEP_BATCH = 500;

export interface RedisPresenceOptions {
  keyPrefix: string;
  ttlMs: number;
}

/**
 * Presence in Redis, shared by every edge: leases per channel in a sorted set, members in a hash,
 * every change one Lua script (see the key layout above). Keys expire by themselves twice the TTL
 * after their last change.
 *
 * @example
 * const presence = await RedisPresence.connect('redis://127.0.0.1:6379', { keyPrefix: 'shopnest:presence:', ttlMs: 60_000 });
 */
export class RedisPresence extends Presence {
  readonly ttlMs: number;
  private readonly keyPrefix: string;
  private readonly commands: PresenceCommands;

  constructor(
    private readonly client: Redis,
    options: RedisPresenceOptions,
  ) {
    super();
    this.ttlMs = options.ttlMs;
    this.keyPrefix = options.keyPrefix;
    client.defineCommand('shopnestPresenceJoin', { numberOfKeys: 3, lua: JOIN });
    client.defineCommand('shopnestPresenceLeave', { numberOfKeys: 3, lua: LEAVE });
    client.defineCommand('shopnestPresenceHeartbeat', { lua: HEARTBEAT });
    client.defineCommand('shopnestPresenceSweep', { numberOfKeys: 1, lua: SWEEP });
    client.defineCommand('shopnestPresenceMembers', { numberOfKeys: 2, lua: MEMBERS });
    client.defineCommand('shopnestPresenceSetStatus', { numberOfKeys: 1, lua: SET_STATUS });
    this.commands = client as unknown as PresenceCommands;
  }

  /** Connects (failing fast, naming the URL); `close()` quits that connection. */
  static async connect(url: string, options: RedisPresenceOptions): Promise<RedisPresence> {
    return new RedisPresence(await connectRedis(url, { connectionName: 'presence' }), options);
  }

  async join(connection: PresenceConnection, info: PresenceInfo = {}): Promise<PresenceJoin> {
    checkConnection(connection);
    const { channel, userId } = connection;
    const [joined, roles, status] = await this.commands.shopnestPresenceJoin(
      this.conns(channel),
      this.membersKey(channel),
      this.index(),
      entry(connection),
      userId,
      info.roles ? JSON.stringify(info.roles) : '',
      info.status ?? '',
      this.ttlMs,
      channel,
    );
    return { joined: joined === 1, member: decodeMember(userId, roles, status) };
  }

  async leave(connection: PresenceConnection): Promise<PresenceLeave> {
    const { channel, userId } = connection;
    const left = await this.commands.shopnestPresenceLeave(
      this.conns(channel),
      this.membersKey(channel),
      this.index(),
      entry(connection),
      userId,
      channel,
      this.ttlMs,
    );
    return { left: left === 1 };
  }

  async heartbeat(connections: readonly PresenceConnection[]): Promise<PresenceConnection[]> {
    const missing: PresenceConnection[] = [];
    for (let start = 0; start < connections.length; start += HEARTBEAT_BATCH) {
      const batch = connections.slice(start, start + HEARTBEAT_BATCH);
      const keys = batch.flatMap((c) => [this.conns(c.channel), this.membersKey(c.channel)]);
      const args = batch.flatMap((c) => [entry(c), c.channel]);
      const positions = await this.commands.shopnestPresenceHeartbeat(
        keys.length + 1,
        this.index(),
        ...keys,
        this.ttlMs,
        ...args,
      );
      for (const position of positions) missing.push(batch[position - 1]);
    }
    return missing;
  }

  async sweep(): Promise<PresenceLapse[]> {
    const flat = await this.commands.shopnestPresenceSweep(this.index(), this.keyPrefix, this.ttlMs, SWEEP_BATCH);
    const lapses: PresenceLapse[] = [];
    for (let i = 0; i < flat.length; i += 2) lapses.push({ channel: flat[i], userId: flat[i + 1] });
    return lapses;
  }

  async members(channel: string): Promise<PresenceMember[]> {
    const flat = await this.commands.shopnestPresenceMembers(this.conns(channel), this.membersKey(channel));
    const members: PresenceMember[] = [];
    for (let i = 0; i < flat.length; i += 3) members.push(decodeMember(flat[i], flat[i + 1], flat[i + 2]));
    return members;
  }

  async setStatus(channel: string, userId: string, status: PresenceStatus): Promise<PresenceStatusChange | null> {
    const [changed, roles] = await this.commands.shopnestPresenceSetStatus(this.membersKey(channel), userId, status);
    if (changed < 0) return null;
    return { changed: changed === 1, member: decodeMember(userId, roles, status) };
  }

  ping(): Promise<void> {
    return pingRedis(this.client);
  }

  close(): Promise<void> {
    return quitRedis(this.client);
  }

  private conns(channel: string): string {
    return `${this.keyPrefix}c:${channel}`;
  }

  private membersKey(channel: string): string {
    return `${this.keyPrefix}m:${channel}`;
  }

  private index(): string {
    return `${this.keyPrefix}lapse`;
  }
}

const entry = ({ connectionId, userId }: PresenceConnection): string => `${connectionId}\n${userId}`;

const STATUSES = new Set<string>(PRESENCE_STATUSES);

function decodeMember(userId: string, roles: string, status: string): PresenceMember {
  return toMember(
    userId,
    roles ? (JSON.parse(roles) as string[]) : undefined,
    STATUSES.has(status) ? (status as PresenceStatus) : undefined,
  );
}
