import { envFragments, refusing, serviceEnv, ServiceSettings } from '@shopnest/platform-config';
import { jwtEnvSchema, JwtVerifyConfig } from '@shopnest/platform-auth';
import { EventBusConfig, eventBusEnvSchema } from '@shopnest/platform-event-bus';
import { corsEnvSchema, CorsOrigins } from '@shopnest/platform-http';
import { OrdersConfig, ordersEnvSchema } from '../orders.config';

export const ORDER_TRACKING = 'order-tracking';

/** order-tracking's whole configuration, parsed once at start-up. */
export interface OrderTrackingConfig extends ServiceSettings {
  jwt: JwtVerifyConfig;
  eventBus: EventBusConfig;
  orders: OrdersConfig;
  /** Browser origins allowed by CORS (`CORS_ORIGINS`, e.g. the web console's); null: none. */
  cors: CorsOrigins;
}

/**
 * The env of order-tracking: service (`HOST`, `PORT` default 3001, `LOG_LEVEL`,
 * `SHUTDOWN_TIMEOUT_MS`), JWT verification (`JWT_*`), the event bus (`EVENT_BUS`, `KAFKA_*`) and
 * the order store and outbox (`DATABASE_*`, `PGLITE_DATA_DIR`, `LOCATION_EVENT_MAX_PER_SEC`, `OUTBOX_*`),
 * and the browser origins CORS allows (`CORS_ORIGINS`).
 */
export const orderTrackingEnvSchema = envFragments({
  service: serviceEnv(3001),
  jwt: jwtEnvSchema,
  eventBus: eventBusEnvSchema,
  orders: ordersEnvSchema,
  cors: corsEnvSchema,
}).transform(
  ({ service, jwt, eventBus, orders, cors }): OrderTrackingConfig => ({ ...service, jwt, eventBus, orders, cors }),
);

/**
 * order-tracking as its own process (the cluster): its events must reach the workers, so the
 * in-process bus of the one-process mode is refused, with the reason.
 */
export const orderTrackingProcessEnvSchema = refusing(orderTrackingEnvSchema, [
  {
    key: 'EVENT_BUS',
    value: 'memory',
    why: 'events of an order-tracking in its own process would reach no notification-worker; use Kafka, or the one-process mode (npm start)',
  },
]);
