import { z } from 'zod';

export const ROLES = ['customer', 'courier', 'agent', 'ops', 'service'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/**
 * The claims ShopNest reads from an access token (after the signature, issuer, audience and
 * expiry checks). `roles` may be absent: the user is then a plain `customer`.
 *
 * @example
 * { sub: 'user-42', roles: ['customer'], iss: 'shopnest', aud: 'shopnest-live', exp: 1767225600 }
 */
export const accessClaimsSchema = z.object({
  sub: z.string().min(1).max(128),
  roles: z.array(roleSchema).min(1).default(['customer']),
  exp: z.number().int().optional(),
  /** Token id: lets one token be revoked. */
  jti: z.string().min(1).max(256).optional(),
  /** Issued at (seconds since the epoch): lets "every token of a user issued before T" be revoked. */
  iat: z.number().int().optional(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

/** The authenticated caller, as the services see it after verification. */
export interface Principal {
  userId: string;
  roles: readonly Role[];
  /** Seconds since the epoch; undefined when the token does not expire. */
  expiresAt?: number;
  /** The token's `jti`, when it has one. */
  tokenId?: string;
  /** The token's `iat` (seconds since the epoch), when it has one. */
  issuedAt?: number;
}
