import { issuedBeforeCutoff, TokenIdentity, TokenRevocations } from '../token-revocations.port';

interface Entry {
  value: number;
  expiresAtMs: number;
}

/** One process's revocations (the one-process mode and unit tests); expired entries are dropped when read. */
export class InMemoryTokenRevocations extends TokenRevocations {
  private readonly tokens = new Map<string, Entry>();
  private readonly users = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  async revokeToken(tokenId: string, until: Date): Promise<void> {
    if (until.getTime() <= this.now()) return;
    this.tokens.set(tokenId, { value: 1, expiresAtMs: until.getTime() });
  }

  async revokeUserTokens(userId: string, before: Date, until: Date): Promise<void> {
    if (until.getTime() <= this.now()) return;
    const current = this.live(this.users, userId);
    this.users.set(userId, {
      value: Math.max(before.getTime(), current?.value ?? 0),
      expiresAtMs: Math.max(until.getTime(), current?.expiresAtMs ?? 0),
    });
  }

  async isRevoked(token: TokenIdentity): Promise<boolean> {
    if (token.tokenId !== undefined && this.live(this.tokens, token.tokenId)) return true;
    return issuedBeforeCutoff(token, this.live(this.users, token.userId)?.value);
  }

  async ping(): Promise<void> {
    return;
  }

  async close(): Promise<void> {
    this.tokens.clear();
    this.users.clear();
  }

  private live(map: Map<string, Entry>, key: string): Entry | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAtMs <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }
}
