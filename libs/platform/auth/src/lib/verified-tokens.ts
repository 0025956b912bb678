import { Principal } from '@shopnest/contracts';
import { LRUCache } from 'lru-cache';

/** The longest a verdict is reused, whatever the token's expiry (bounds a key rotation's reach). */
export const VERIFIED_TOKEN_MAX_AGE_MS = 60_000;

/**
 * Principals of access tokens that passed verification recently, keyed by the token's whole
 * text: only that very token (its signature included) finds its verdict, so a forged or altered
 * one always goes through the full verification. A verdict is reused until the token's `exp`
 * (never into the clock tolerance) and at most {@link VERIFIED_TOKEN_MAX_AGE_MS}; at most `max`
 * tokens are kept, the least recently used going first, so a flood of distinct valid tokens costs
 * bounded memory. With `max` 0 nothing is kept.
 *
 * Why: verifying costs ~0.1 ms of CPU per request here (base64, JSON, HMAC or RSA, the claims
 * schema), about a tenth of order-tracking's whole PATCH, while a client sends the same token
 * with every request until it refreshes it.
 */
export class VerifiedTokens {
  /** By token: its principal, and until when (ms since the epoch, the clock jsonwebtoken reads) it may be reused. */
  private readonly verdicts?: LRUCache<string, { principal: Principal; until: number }>;

  constructor(max: number) {
    if (max > 0) this.verdicts = new LRUCache({ max });
  }

  /** The principal of `token` if it passed verification recently and has not expired since. */
  get(token: string): Principal | undefined {
    const verdict = this.verdicts?.get(token);
    if (!verdict) return undefined;
    if (verdict.until > Date.now()) return verdict.principal;
    this.verdicts?.delete(token);
    return undefined;
  }

  /** Keeps `principal` as the verdict on `token`, which has just passed verification. */
  remember(token: string, principal: Principal): void {
    const now = Date.now();
    const until = Math.min(
      principal.expiresAt === undefined ? Infinity : principal.expiresAt * 1000,
      now + VERIFIED_TOKEN_MAX_AGE_MS,
    );
    // Every request holding the token shares the object: freeze it so no handler can alter another's.
    if (until > now) this.verdicts?.set(token, { principal: Object.freeze({ ...principal }), until });
  }
}
