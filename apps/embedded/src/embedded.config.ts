import { JwtService } from '@nestjs/jwt';
import { ConnectionEdgeConfig, connectionEdgeEnvSchema } from '@shopnest/edge';
import { NotificationWorkerConfig, notificationWorkerEnvSchema } from '@shopnest/notifications';
import { OrderTrackingConfig, orderTrackingEnvSchema } from '@shopnest/orders';
import { bool, port, positiveInt, refusing } from '@shopnest/platform-config';
import { SupportDeskConfig, supportDeskEnvSchema } from '@shopnest/support';
import { z } from 'zod';

export const EMBEDDED = 'shopnest-live';

/** The four services' configs, as the one process runs them. */
export interface EmbeddedConfig {
  shutdownTimeoutMs: number;
  edge: ConnectionEdgeConfig;
  orders: OrderTrackingConfig;
  support: SupportDeskConfig;
  worker: NotificationWorkerConfig;
  web: WebConsoleConfig;
}

/** The web console's server: where it listens, what it serves, and what the browser is told. */
export interface WebConsoleConfig {
  http: { host: string; port: number };
  logLevel: string;
  /** The built apps/web (index.html and its assets). */
  distDir: string;
  /** What `GET /config.json` tells the browser: where the edge and the REST services are. */
  urls: { edge: string; orders: string; support: string };
  /** Development sign-in (`DEV_TOKENS=true`): how `POST /dev/token` signs; null when off. */
  devTokens: { secret: string; issuer?: string; audience?: string } | null;
}

/** Where the one-process mode keeps its orders in PGlite when `PGLITE_DATA_DIR` is unset (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.data/pglite';
/** Where `nx build web` writes the web console (relative to the working directory). */
export const DEFAULT_WEB_DIST_DIR = 'dist/apps/web';

const embeddedEnv = z.object({
  HOST: z.string().default('127.0.0.1'),
  EDGE_PORT: port(3000),
  ORDERS_PORT: port(3001),
  WORKER_PORT: port(3002),
  SUPPORT_PORT: port(3003),
  PORT: z
    .undefined({
      error:
        'the one-process mode listens on four ports: set EDGE_PORT, ORDERS_PORT, WORKER_PORT and SUPPORT_PORT instead',
    })
    .optional(),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  WEB_PORT: port(3004),
  WEB_DIST_DIR: z.string().min(1).default(DEFAULT_WEB_DIST_DIR),
  DEV_TOKENS: bool(false),
  NODE_ENV: z.string().optional(),
});

// The adapters of one process; the cluster's (Kafka, Redis) need the services as their own processes.
const IN_PROCESS = {
  EVENT_BUS: 'memory',
  FANOUT: 'local',
  HISTORY: 'memory',
  RATE_LIMIT_STORE: 'memory',
  REVOCATION_STORE: 'memory',
  PRESENCE_STORE: 'memory',
} as const;
const clusterOnly = (key: keyof typeof IN_PROCESS, value: string) => ({
  key,
  value,
  why: `the one-process mode runs on in-process adapters (${key}=${IN_PROCESS[key]}); for ${value}, run the services as their own processes (npm run start:cluster)`,
});

/**
 * The one-process environment: `HOST`, `EDGE_PORT` (3000), `ORDERS_PORT` (3001), `WORKER_PORT`
 * (3002), `SUPPORT_PORT` (3003), `SHUTDOWN_TIMEOUT_MS`, and every other key of the four services (JWT, limits, history
 * sizes, `DATABASE` (default `pglite` here), `PGLITE_DATA_DIR`, ...), read as they read them. The adapters are fixed
 * to the in-process ones; a cluster value (`EVENT_BUS=kafka`, ...) or a lone `PORT` is refused,
 * naming why. `SERVICE_TOKEN` (the edge's token for order-tracking) is minted from `JWT_SECRET`
 * when unset.
 */
export const embeddedEnvSchema = refusing(
  z
    .custom<NodeJS.ProcessEnv>((env) => typeof env === 'object' && env !== null, 'expected the environment')
    .transform((env, ctx): EmbeddedConfig => {
      // Keys the services share (JWT_*, HISTORY_*) are reported once.
      const problems = new Map<string, { path: PropertyKey[]; message: string }>();
      const report = (issues: z.core.$ZodIssue[]) => {
        for (const { path, message } of issues) problems.set(`${path.join('.')}: ${message}`, { path, message });
      };
      const own = embeddedEnv.safeParse(env);
      if (!own.success) report(own.error.issues);
      const e = own.data ?? embeddedEnv.parse({});
      const webOrigin = `http://${e.HOST}:${e.WEB_PORT}`;
      const base = {
        ...env,
        ...IN_PROCESS,
        // The web console is served from its own origin: the edge and the REST services allow it by default, never `*`.
        CORS_ORIGINS: env['CORS_ORIGINS'] ?? webOrigin,
        HOST: e.HOST,
        SHUTDOWN_TIMEOUT_MS: String(e.SHUTDOWN_TIMEOUT_MS),
        PORT: undefined,
      };
      const orders = orderTrackingEnvSchema.safeParse({
        ...base,
        PORT: String(e.ORDERS_PORT),
        // One process keeps its orders in PGlite unless told otherwise (DATABASE=postgres + DATABASE_URL).
        DATABASE: env['DATABASE'] ?? 'pglite',
        PGLITE_DATA_DIR: env['PGLITE_DATA_DIR'] ?? DEFAULT_DATA_DIR,
      });
      const worker = notificationWorkerEnvSchema.safeParse({
        ...base,
        PORT: String(e.WORKER_PORT),
        DATABASE: env['DATABASE'] ?? 'pglite',
        // The users' inboxes: a PGlite directory of their own beside the orders' and the tickets'.
        PGLITE_DATA_DIR: `${env['PGLITE_DATA_DIR'] ?? DEFAULT_DATA_DIR}-inbox`,
      });
      const serviceToken = env['SERVICE_TOKEN'] ?? mintServiceToken(env);
      const edge = connectionEdgeEnvSchema.safeParse({
        ...base,
        PORT: String(e.EDGE_PORT),
        ORDER_TRACKING_URL: `http://${e.HOST}:${e.ORDERS_PORT}`,
        SUPPORT_DESK_URL: `http://${e.HOST}:${e.SUPPORT_PORT}`,
        // Without a token of its own, a stand-in keeps the edge schema from repeating the JWT problem.
        SERVICE_TOKEN: serviceToken ?? 'unset.service.token',
      });
      const support = supportDeskEnvSchema.safeParse({
        ...base,
        PORT: String(e.SUPPORT_PORT),
        DATABASE: env['DATABASE'] ?? 'pglite',
        // A PGlite directory holds one database: the tickets get their own beside the orders'.
        PGLITE_DATA_DIR: `${env['PGLITE_DATA_DIR'] ?? DEFAULT_DATA_DIR}-support`,
        ORDER_TRACKING_URL: `http://${e.HOST}:${e.ORDERS_PORT}`,
        SERVICE_TOKEN: serviceToken ?? 'unset.service.token',
      });
      if (!serviceToken && !env['JWT_SECRET'] && (env['JWT_PUBLIC_KEY_FILE'] || env['JWT_JWKS_FILE'])) {
        report([
          {
            code: 'custom',
            input: undefined,
            path: ['SERVICE_TOKEN'],
            message: 'required without JWT_SECRET: the one-process mode can mint it only from the HS256 secret',
          },
        ]);
      }
      if (e.DEV_TOKENS && e.NODE_ENV === 'production') {
        report([
          {
            code: 'custom',
            input: undefined,
            path: ['DEV_TOKENS'],
            message: 'refused with NODE_ENV=production: development sign-in hands out tokens to anyone who asks',
          },
        ]);
      }
      if (e.DEV_TOKENS && !env['JWT_SECRET']) {
        report([
          {
            code: 'custom',
            input: undefined,
            path: ['DEV_TOKENS'],
            message: 'needs JWT_SECRET: development tokens are signed with the HS256 secret',
          },
        ]);
      }
      for (const result of [orders, worker, edge, support]) if (!result.success) report(result.error.issues);
      if (problems.size > 0 || !orders.success || !worker.success || !edge.success || !support.success) {
        for (const { path, message } of problems.values()) ctx.addIssue({ code: 'custom', path, message });
        return z.NEVER;
      }
      const url = (port: number) => `http://${e.HOST}:${port}`;
      return {
        shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
        orders: orders.data,
        support: support.data,
        worker: worker.data,
        edge: edge.data,
        web: {
          http: { host: e.HOST, port: e.WEB_PORT },
          logLevel: edge.data.logLevel,
          distDir: e.WEB_DIST_DIR,
          urls: { edge: url(e.EDGE_PORT), orders: url(e.ORDERS_PORT), support: url(e.SUPPORT_PORT) },
          devTokens:
            e.DEV_TOKENS && env['JWT_SECRET']
              ? {
                  secret: env['JWT_SECRET'],
                  ...(env['JWT_ISSUER'] && { issuer: env['JWT_ISSUER'] }),
                  ...(env['JWT_AUDIENCE'] && { audience: env['JWT_AUDIENCE'] }),
                }
              : null,
        },
      };
    }),
  [
    clusterOnly('EVENT_BUS', 'kafka'),
    clusterOnly('FANOUT', 'redis'),
    clusterOnly('HISTORY', 'redis'),
    clusterOnly('RATE_LIMIT_STORE', 'redis'),
    clusterOnly('REVOCATION_STORE', 'redis'),
    clusterOnly('PRESENCE_STORE', 'redis'),
  ],
);

/** A service token for the edge's and support-desk's look-ups, signed with the shared HS256 secret; undefined without one. */
function mintServiceToken(env: NodeJS.ProcessEnv): string | undefined {
  const secret = env['JWT_SECRET'];
  if (!secret || secret.length < 32) return undefined; // the JWT fragment reports the bad secret
  const claims = {
    ...(env['JWT_ISSUER'] && { issuer: env['JWT_ISSUER'] }),
    ...(env['JWT_AUDIENCE'] && { audience: env['JWT_AUDIENCE'] }),
  };
  return new JwtService().sign({ sub: EMBEDDED, roles: ['service'] }, { secret, expiresIn: '3650d', ...claims });
}
