import { connectRedis, pingRedis, quitRedis } from '@shopnest/platform-redis';
import Redis from 'ioredis';
import { issuedBeforeCutoff, TokenIdentity, TokenRevocations } from '../token-revocations.port';

// Keeps the latest cut-off and the longest expiry in one step, so concurrent revocations from
// several edges never move a cut-off back. PEXPIREAT takes Redis' absolute time, like the tokens' exp.
const REVOKE_USER = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local before = tonumber(ARGV[1])
if before > current then redis.call('SET', KEYS[1], before) end
local ttl = redis.call('PEXPIRETIME', KEYS[1])
if ttl < 0 or tonumber(ARGV[2]) > ttl then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return 1`;

/**
 * Revocations in Redis, shared by every edge: `<prefix>jti:<jti>` and `<prefix>user:<userId>`
 * (the cut-off in ms), each expiring with the tokens it refuses. One round trip per check (MGET).
 */
export class RedisTokenRevocations extends TokenRevocations {
  private constructor(
    private readonly client: Redis,
    private readonly keyPrefix: string,
  ) {
    super();
  }

  /** Auto-pipelined, like the rate limits: one write per event-loop turn for a burst of handshakes. */
  static async connect(url: string, keyPrefix: string): Promise<RedisTokenRevocations> {
    return new RedisTokenRevocations(
      await connectRedis(url, { connectionName: 'token-revocations', enableAutoPipelining: true }),
      keyPrefix,
    );
  }

  async revokeToken(tokenId: string, until: Date): Promise<void> {
    if (until.getTime() <= Date.now()) return;
    await this.client.set(this.key('jti', tokenId), '1', 'PXAT', until.getTime());
  }

  async revokeUserTokens(userId: string, before: Date, until: Date): Promise<void> {
    if (until.getTime() <= Date.now()) return;
    await this.client.eval(REVOKE_USER, 1, this.key('user', userId), before.getTime(), until.getTime());
  }

  async isRevoked(token: TokenIdentity): Promise<boolean> {
    const userKey = this.key('user', token.userId);
    if (token.tokenId === undefined) return issuedBeforeCutoff(token, cutoffMs(await this.client.get(userKey)));
    const [revokedId, cutoff] = await this.client.mget(this.key('jti', token.tokenId), userKey);
    return revokedId !== null || issuedBeforeCutoff(token, cutoffMs(cutoff));
  }

  ping(): Promise<void> {
    return pingRedis(this.client);
  }

  close(): Promise<void> {
    return quitRedis(this.client);
  }

  private key(kind: 'jti' | 'user', id: string): string {
    return `${this.keyPrefix}${kind}:${id}`;
  }
}

function cutoffMs(stored: string | null): number | undefined {
  return stored === null ? undefined : Number(stored);
}
