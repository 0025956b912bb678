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
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
}

/** The problems `parseEnv` would report for `env` (empty when it parses): for config tests. */
export function envProblems(schema: z.ZodType, env: NodeJS.ProcessEnv): string[] {
  try {
    parseEnv(schema, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** A TCP port from an env string, with a default. */
export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** A positive integer from an env string, with a default. */
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A comma-separated list from an env string (blank entries dropped). */
export const csv = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1, 'must list at least one value'));

/** `true|false|1|0` from an env string, with a default. */
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Settings every service shares: where it listens, how it logs, how long it may drain. */
export interface ServiceSettings {
  http: HttpSettings;
  logLevel: string;
  shutdownTimeoutMs: number;
}

/** Where a service's HTTP server listens, and how long it keeps an idle keep-alive connection. */
export interface HttpSettings {
  host: string;
  port: number;
  /**
   * Idle keep-alive connections are closed after this long. Above the idle timeout of whatever
   * proxies to the service (load balancer, ingress), so that the proxy, not the service, closes an
   * idle connection: otherwise a request sent just as the service closes it fails
   * (`ECONNRESET`, a 502 at the proxy).
   */
  keepAliveTimeoutMs?: number;
}

/**
 * `HOST`, `PORT` (the service's default), `HTTP_KEEP_ALIVE_TIMEOUT_MS`, `LOG_LEVEL`,
 * `SHUTDOWN_TIMEOUT_MS` → {@link ServiceSettings}.
 */
export const serviceEnv = (defaultPort: number) =>
  z
    .object({
      HOST: z.string().default('127.0.0.1'),
      PORT: port(defaultPort),
      // Above common proxies' idle timeouts (60 s: AWS ALB, ingress-nginx's upstream keep-alive).
      HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(65_000),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
    })
    .transform(
      (env): ServiceSettings => ({
        http: { host: env.HOST, port: env.PORT, keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS },
        logLevel: env.LOG_LEVEL,
        shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      }),
    );

type Fragments = Record<string, z.ZodType>;

/**
 * One environment read by several fragments, each owned by the lib it configures (JWT, Kafka,
 * Redis, ...). Every bad key of every fragment is reported at once; the result holds each
 * fragment's parsed output under its name.
 *
 * @example
 * const schema = envFragments({ service: serviceEnv(3001), eventBus: eventBusEnvSchema })
 *   .transform(({ service, eventBus }) => ({ ...service, eventBus }));
 */
export function envFragments<F extends Fragments>(fragments: F) {
  // z.custom, not z.object: process.env is not a plain object, and each fragment picks its own keys.
  return z
    .custom<NodeJS.ProcessEnv>((env) => typeof env === 'object' && env !== null, 'expected the environment')
    .transform((env, ctx) => {
      const parsed: Record<string, unknown> = {};
      let ok = true;
      for (const [name, schema] of Object.entries(fragments)) {
        const result = schema.safeParse(env);
        if (result.success) {
          parsed[name] = result.data;
          continue;
        }
        ok = false;
        for (const issue of result.error.issues)
          ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
      return ok ? (parsed as { [K in keyof F]: z.output<F[K]> }) : z.NEVER;
    });
}

/** A value of one key that a deployment mode cannot work with, and why (for the error message). */
export interface RefusedValue {
  key: string;
  value: string;
  why: string;
}

/**
 * `schema`, refusing the listed values; each refusal is reported with every other bad key. A
 * service run as its own process uses it to refuse in-process adapters that other processes
 * would have to share.
 *
 * @example
 * const schema = refusing(orderTrackingEnvSchema, [
 *   { key: 'EVENT_BUS', value: 'memory', why: 'its events would reach no notification-worker' },
 * ]);
 */
export function refusing<S extends z.ZodType>(schema: S, refused: RefusedValue[]) {
  const refusals = z
    .custom<NodeJS.ProcessEnv>((env) => typeof env === 'object' && env !== null, 'expected the environment')
    .superRefine((env, ctx) => {
      for (const { key, value, why } of refused) {
        if (env[key] === value) ctx.addIssue({ code: 'custom', path: [key], message: `${value} is refused: ${why}` });
      }
    });
  return envFragments({ config: schema, refusals }).transform(({ config }) => config as z.output<S>);
}
