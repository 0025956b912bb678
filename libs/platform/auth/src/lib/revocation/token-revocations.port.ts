/** What a revocation check needs to know of a verified token. */
export interface TokenIdentity {
  userId: string;
  /** The token's `jti`, when it has one. */
  tokenId?: string;
  /** The token's `iat`, seconds since the epoch, when it has one. */
  issuedAt?: number;
}

/**
 * Revoked access tokens, shared by every edge. A token is refused when its `jti` was revoked, or
 * when its user's tokens issued before a cut-off were revoked (a token without `iat` counts as
 * issued before any cut-off).
 *
 * Guarantees:
 * - a revocation is visible to every `isRevoked` that starts after the revoking call resolved,
 *   on every replica sharing the store;
 * - a revocation is kept until its `until` (the revoked tokens' expiry) and then forgotten, so the
 *   store stays bounded by the tokens still alive;
 * - a later user cut-off never moves an earlier, later-dated one back (the latest wins).
 *
 * `isRevoked` rejects when the store cannot answer: callers fail closed.
 */
export abstract class TokenRevocations {
  /** Refuses the token with this `jti` until `until` (its expiry). */
  abstract revokeToken(tokenId: string, until: Date): Promise<void>;

  /** Refuses every token of `userId` issued before `before`; remembered until `until`. */
  abstract revokeUserTokens(userId: string, before: Date, until: Date): Promise<void>;

  abstract isRevoked(token: TokenIdentity): Promise<boolean>;

  /** Resolves when the store answers (readiness). */
  abstract ping(): Promise<void>;

  abstract close(): Promise<void>;
}

/** Whether `token` falls under a user cut-off (`cutoffMs`, or none). */
export function issuedBeforeCutoff(token: TokenIdentity, cutoffMs: number | undefined): boolean {
  if (cutoffMs === undefined) return false;
  return token.issuedAt === undefined || token.issuedAt * 1000 < cutoffMs;
}
