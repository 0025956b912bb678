import { envFragments, serviceEnv, ServiceSettings } from '@shopnest/platform-config';
import { jwtEnvSchema, JwtVerifyConfig } from '@shopnest/platform-auth';
import { EventBusConfig, eventBusEnvSchema } from '@shopnest/platform-event-bus';

export const SERVICE_NAME = 'order-tracking';

/** order-tracking's whole configuration, parsed once at start-up. */
export interface OrderTrackingConfig extends ServiceSettings {
  jwt: JwtVerifyConfig;
  eventBus: EventBusConfig;
}

/**
 * The env of order-tracking: service (`HOST`, `PORT` default 3001, `LOG_LEVEL`,
 * `SHUTDOWN_TIMEOUT_MS`), JWT verification (`JWT_*`) and the event bus (`EVENT_BUS`, `KAFKA_*`).
 */
export const orderTrackingEnvSchema = envFragments({
  service: serviceEnv(3001),
  jwt: jwtEnvSchema,
  eventBus: eventBusEnvSchema,
}).transform(({ service, jwt, eventBus }): OrderTrackingConfig => ({ ...service, jwt, eventBus }));
