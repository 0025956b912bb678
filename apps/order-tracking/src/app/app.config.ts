import { envFragments, serviceEnv, ServiceSettings } from '@shopnest/platform-config';
import { jwtEnvSchema, JwtVerifyConfig } from '@shopnest/platform-auth';
import { EventBusConfig, eventBusEnvSchema } from '@shopnest/platform-event-bus';
import { OrdersConfig, ordersEnvSchema } from '@shopnest/orders';

export const SERVICE_NAME = 'order-tracking';

/** order-tracking's whole configuration, parsed once at start-up. */
export interface OrderTrackingConfig extends ServiceSettings {
  jwt: JwtVerifyConfig;
  eventBus: EventBusConfig;
  orders: OrdersConfig;
}

/**
 * The env of order-tracking: service (`HOST`, `PORT` default 3001, `LOG_LEVEL`,
 * `SHUTDOWN_TIMEOUT_MS`), JWT verification (`JWT_*`), the event bus (`EVENT_BUS`, `KAFKA_*`) and
 * the order store and outbox (`DATABASE_*`, `PGLITE_DATA_DIR`, `LOCATION_EVENT_MAX_PER_SEC`, `OUTBOX_*`).
 */
export const orderTrackingEnvSchema = envFragments({
  service: serviceEnv(3001),
  jwt: jwtEnvSchema,
  eventBus: eventBusEnvSchema,
  orders: ordersEnvSchema,
}).transform(({ service, jwt, eventBus, orders }): OrderTrackingConfig => ({ ...service, jwt, eventBus, orders }));
