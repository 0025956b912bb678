import { z } from 'zod';

/** Start-up stops with this when the environment does not satisfy an app's config schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once into a typed, nested config. Every bad or missing key is named
 * in one error, so a misconfigured deployment is fixed in one go.
 *
 * @example
 * const schema = z.object({ HTTP_PORT: port(3000) }).transform((e) => ({ http: { port: e.HTTP_PORT } }));
 * const config = parseEnv(schema, process.env); // config.http.port: number
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
  );
}

/** A TCP port from an env string, with a default. */
export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** A positive integer from an env string, with a default. */
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A comma-separated list from an env string (blank entries dropped). */
export const csv = () =>
  z
    .string()
    .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'must list at least one value'));

/** `true|false|1|0` from an env string, with a default. */
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Settings every service shares: where it listens, how it logs. */
export const serviceEnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
});
export type ServiceEnv = z.output<typeof serviceEnvSchema>;
