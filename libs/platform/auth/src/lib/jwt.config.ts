import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** How access tokens are verified; the same on REST and at the socket handshake. */
export interface JwtVerifyConfig {
  /** HS256 shared secret, or a PEM public key for RS256/ES256. */
  secretOrKey: string | Buffer;
  algorithms: JwtAlgorithm[];
  issuer?: string;
  audience?: string;
  clockToleranceSeconds: number;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256'] as const;
const ALGORITHMS = ['HS256', 'HS384', 'HS512', ...ASYMMETRIC] as const;
export type JwtAlgorithm = (typeof ALGORITHMS)[number];

const algorithmList = z
  .string()
  .transform((s) => s.split(',').map((a) => a.trim()))
  .pipe(z.array(z.enum(ALGORITHMS)).min(1));

/**
 * `JWT_SECRET` (HS256) or `JWT_PUBLIC_KEY_FILE` (RS256/ES256 PEM), exactly one of them;
 * `JWT_ISSUER`, `JWT_AUDIENCE` checked when set; `JWT_CLOCK_TOLERANCE_S` for clock skew.
 */
export const jwtEnvSchema = z
  .object({
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_PUBLIC_KEY_FILE: z.string().optional(),
    JWT_ALGORITHMS: algorithmList.optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(5),
  })
  .superRefine((env, ctx) => {
    if (!env.JWT_SECRET === !env.JWT_PUBLIC_KEY_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'set exactly one of JWT_SECRET (HS256) or JWT_PUBLIC_KEY_FILE (RS256/ES256)',
      });
    }
    const algorithms = env.JWT_ALGORITHMS ?? [];
    if (env.JWT_PUBLIC_KEY_FILE && algorithms.some((a) => !(ASYMMETRIC as readonly string[]).includes(a))) {
      ctx.addIssue({ code: 'custom', path: ['JWT_ALGORITHMS'], message: `with a public key, use ${ASYMMETRIC.join('|')}` });
    }
  })
  .transform((env): JwtVerifyConfig => ({
    secretOrKey: env.JWT_SECRET ?? readFileSync(env.JWT_PUBLIC_KEY_FILE as string),
    algorithms: env.JWT_ALGORITHMS ?? (env.JWT_SECRET ? ['HS256'] : ['RS256', 'ES256']),
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_S,
  }));
