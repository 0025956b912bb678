import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { JwksKeySet } from './jwks-key-set';

/** How access tokens are verified; the same on REST and at the socket handshake. */
export type JwtVerifyConfig = {
  algorithms: JwtAlgorithm[];
  issuer?: string;
  audience?: string;
  clockToleranceSeconds: number;
  /** How many recently verified tokens REST requests may reuse the verdict of (0: verify every request). */
  verifiedTokenCacheSize: number;
} & (
  | {
      /** HS256 shared secret, or a PEM public key for RS256/ES256. */
      secretOrKey: string | Buffer;
      keySet?: undefined;
    }
  | {
      /** RS256/ES256 keys of a JSON Web Key Set, picked by the token's `kid`. */
      keySet: JwksKeySet;
      secretOrKey?: undefined;
    }
);

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256'] as const;
const ALGORITHMS = ['HS256', 'HS384', 'HS512', ...ASYMMETRIC] as const;
export type JwtAlgorithm = (typeof ALGORITHMS)[number];

const algorithmList = z
  .string()
  .transform((s) => s.split(',').map((a) => a.trim()))
  .pipe(z.array(z.enum(ALGORITHMS)).min(1));

const KEY_KEYS = ['JWT_SECRET', 'JWT_PUBLIC_KEY_FILE', 'JWT_JWKS_FILE'] as const;

/**
 * Exactly one of `JWT_SECRET` (HS256), `JWT_PUBLIC_KEY_FILE` (RS256/ES256 PEM) or
 * `JWT_JWKS_FILE` (RS256/ES256 JSON Web Key Set, key chosen by `kid`); `JWT_ISSUER`,
 * `JWT_AUDIENCE` checked when set; `JWT_CLOCK_TOLERANCE_S` for clock skew;
 * `JWT_VERIFIED_CACHE_SIZE` tokens whose verdict REST requests reuse (`VerifiedTokens`). Key files are read
 * at start-up, and an unreadable or unusable one stops it, naming the file.
 */
export const jwtEnvSchema = z
  .object({
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
    JWT_JWKS_FILE: z.string().min(1).optional(),
    JWT_ALGORITHMS: algorithmList.optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(5),
    JWT_VERIFIED_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  })
  .superRefine((env, ctx) => {
    if (KEY_KEYS.filter((key) => env[key] !== undefined).length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'set exactly one of JWT_SECRET (HS256), JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE (RS256/ES256)',
      });
    }
    const algorithms = env.JWT_ALGORITHMS ?? [];
    if (!env.JWT_SECRET && algorithms.some((a) => !(ASYMMETRIC as readonly string[]).includes(a))) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_ALGORITHMS'],
        message: `with a public key, use ${ASYMMETRIC.join('|')}`,
      });
    }
  })
  .transform((env, ctx): JwtVerifyConfig => {
    const common = {
      algorithms: env.JWT_ALGORITHMS ?? (env.JWT_SECRET ? ['HS256' as const] : ['RS256' as const, 'ES256' as const]),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_S,
      verifiedTokenCacheSize: env.JWT_VERIFIED_CACHE_SIZE,
    };
    if (env.JWT_SECRET) return { ...common, secretOrKey: env.JWT_SECRET };
    const path = (env.JWT_JWKS_FILE ?? env.JWT_PUBLIC_KEY_FILE) as string;
    try {
      return env.JWT_JWKS_FILE
        ? { ...common, keySet: JwksKeySet.fromFile(path) }
        : { ...common, secretOrKey: readFileSync(path) };
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: [env.JWT_JWKS_FILE ? 'JWT_JWKS_FILE' : 'JWT_PUBLIC_KEY_FILE'],
        message: (error as Error).message,
      });
      return z.NEVER;
    }
  });
