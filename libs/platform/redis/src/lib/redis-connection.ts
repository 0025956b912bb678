import Redis, { RedisOptions } from 'ioredis';

/** Options for {@link connectRedis}; `lazyConnect` is always on, the rest are ioredis options. */
export type RedisConnectOptions = Omit<RedisOptions, 'lazyConnect'>;

/** A client class to open instead of ioredis' own (a subclass; see {@link connectRedis}). */
export type RedisClientClass<C extends Redis> = new (url: string, options: RedisOptions) => C;

/**
 * Opens an ioredis client (or one of `Client`, a subclass) and resolves once it is ready, so a
 * service fails at boot instead of retrying in the background forever (ioredis' default).
 *
 * Guarantees: on failure nothing is left reconnecting, and the error names the URL (password
 * masked) and the cause. Once connected, a command waits for at most `maxRetriesPerRequest`
 * (default 3) reconnect attempts before it rejects, instead of queueing indefinitely.
 *
 * @throws Error `Redis at redis://host:port unreachable: <cause>`.
 * @example
 * const redis = await connectRedis(config.fanout.redis.url, { connectionName: 'fanout' });
 * await pingRedis(redis);
 */
export async function connectRedis<C extends Redis = Redis>(
  url: string,
  options: RedisConnectOptions = {},
  Client: RedisClientClass<C> = Redis as unknown as RedisClientClass<C>,
): Promise<C> {
  const client = new Client(url, {
    maxRetriesPerRequest: 3,
    connectTimeout: 5_000,
    ...options,
    lazyConnect: true,
  });
  let lastError: Error | undefined;
  // A listener keeps ioredis from printing "Unhandled error event"; commands and probes report failures.
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    // connect() rejects with a bare "Connection is closed."; the socket error says why.
    const cause = lastError ?? error;
    throw new Error(`Redis at ${maskPassword(url)} unreachable: ${messageOf(cause)}`, { cause });
  }
}

/**
 * Readiness check: resolves when Redis answers PING within `timeoutMs`, rejects otherwise.
 * Works on a subscribed connection too, and then also proves every earlier (P)SUBSCRIBE on it is active.
 */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer PING within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a client: QUIT (pending replies arrive first, auto-pipelined commands included), or a
 * hard disconnect when the connection is already down. Idempotent.
 */
export async function quitRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  // With auto-pipelining, this turn's commands leave on the next (setImmediate); QUIT is never
  // pipelined and would overtake them, failing them with "Connection is closed".
  if (client.autoPipelineQueueSize > 0) await new Promise((resolve) => setImmediate(resolve));
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

// Not `instanceof Error`: errors from Node's own realm fail that check under jest's VM.
function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
}

function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
