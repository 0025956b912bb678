import { EdgeModuleOptions, SocketServerSettings } from '@shopnest/edge';
import { csv, envFragments, positiveInt, serviceEnv, ServiceSettings } from '@shopnest/platform-config';
import { jwtEnvSchema, JwtVerifyConfig } from '@shopnest/platform-auth';
import { redisEnvSchema } from '@shopnest/platform-fanout';
import { z } from 'zod';

export const SERVICE = 'connection-edge';

/** Everything connection-edge reads from its environment, parsed once at start-up. */
export interface EdgeConfig extends ServiceSettings {
  jwt: JwtVerifyConfig;
  /** The socket.io Redis adapter: rooms shared by every edge, reached by the workers' emitter. */
  redis: { url: string; key: string };
  edge: EdgeModuleOptions;
  socket: SocketServerSettings;
}

const edgeEnv = z.object({
  ...redisEnvSchema.shape,
  // Every edge must share rooms with the others and with the emitters, so Redis is not optional here.
  REDIS_URL: redisEnvSchema.shape.REDIS_URL.unwrap(),
  ORDER_TRACKING_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://127.0.0.1:3001'),
  /** Secret: a JWT with role `service`, for order-tracking's internal endpoints. */
  SERVICE_TOKEN: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'must be a signed JWT (with role service)'),
  ORDER_ACCESS_TIMEOUT_MS: positiveInt(2_000),
  CORS_ORIGINS: z
    .union([z.literal('*'), csv().pipe(z.array(z.url({ error: 'each origin must be a URL such as https://shop.example' })))])
    .optional(),
  SOCKET_TRANSPORTS: csv()
    .pipe(z.array(z.enum(['websocket', 'polling'])))
    .default(['websocket', 'polling']),
  MAX_PAYLOAD_BYTES: positiveInt(65_536),
  SOCKET_PING_INTERVAL_MS: positiveInt(25_000),
  SOCKET_PING_TIMEOUT_MS: positiveInt(20_000),
});

/**
 * The connection-edge environment: service settings (`PORT` default 3000), the JWT keys, Redis,
 * order-tracking's URL and service token, and the socket server's limits. See `.env.example`.
 */
export const edgeEnvSchema = envFragments({ service: serviceEnv(3000), jwt: jwtEnvSchema, edge: edgeEnv }).transform(
  ({ service, jwt, edge: e }): EdgeConfig => ({
    ...service,
    jwt,
    redis: { url: e.REDIS_URL, key: e.SOCKET_IO_KEY },
    edge: {
      orderAccess: {
        driver: 'http',
        baseUrl: e.ORDER_TRACKING_URL,
        serviceToken: e.SERVICE_TOKEN,
        timeoutMs: e.ORDER_ACCESS_TIMEOUT_MS,
      },
    },
    socket: {
      corsOrigins: e.CORS_ORIGINS ?? null,
      transports: e.SOCKET_TRANSPORTS,
      maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
      pingIntervalMs: e.SOCKET_PING_INTERVAL_MS,
      pingTimeoutMs: e.SOCKET_PING_TIMEOUT_MS,
    },
  }),
);
