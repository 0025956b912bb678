import { ConfigError, parseEnv, port, serviceEnvSchema } from '@shopnest/platform-config';
import { jwtEnvSchema, JwtVerifyConfig } from '@shopnest/platform-auth';
import { EventBusConfig, eventBusEnvSchema } from '@shopnest/platform-event-bus';
import { z } from 'zod';

export const SERVICE_NAME = 'order-tracking';

const serverEnvSchema = serviceEnvSchema.extend({ PORT: port(3001) });

/** order-tracking's whole configuration, parsed once at start-up. */
export interface OrderTrackingConfig {
  http: { host: string; port: number };
  logLevel: string;
  shutdownTimeoutMs: number;
  jwt: JwtVerifyConfig;
  eventBus: EventBusConfig;
}

/**
 * The env of order-tracking: server (`HOST`, `PORT` default 3001, `LOG_LEVEL`,
 * `SHUTDOWN_TIMEOUT_MS`), JWT verification (`JWT_*`) and the event bus (`EVENT_BUS`, `KAFKA_*`).
 * Each fragment reads the same env; every bad key of every fragment is reported together.
 */
export const orderTrackingEnvSchema = z.looseObject({}).transform((env, ctx): OrderTrackingConfig => {
  const server = serverEnvSchema.safeParse(env);
  const jwt = jwtEnvSchema.safeParse(env);
  const eventBus = eventBusEnvSchema.safeParse(env);
  for (const result of [server, jwt, eventBus]) {
    for (const issue of result.error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  }
  if (!server.success || !jwt.success || !eventBus.success) return z.NEVER;
  return {
    http: { host: server.data.HOST, port: server.data.PORT },
    logLevel: server.data.LOG_LEVEL,
    shutdownTimeoutMs: server.data.SHUTDOWN_TIMEOUT_MS,
    jwt: jwt.data,
    eventBus: eventBus.data,
  };
});

/**
 * Parses the env. A bad one fails with a single line naming every bad key
 * (`invalid configuration: JWT_SECRET: ...; KAFKA_BROKERS: ...`), so logs show it whole.
 */
export function loadConfig(env: NodeJS.ProcessEnv): OrderTrackingConfig {
  try {
    return parseEnv(orderTrackingEnvSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`invalid configuration: ${error.problems.join('; ')}`);
    throw error;
  }
}
