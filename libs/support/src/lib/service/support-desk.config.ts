import { jwtEnvSchema, JwtVerifyConfig } from '@shopnest/platform-auth';
import { envFragments, refusing, serviceEnv, ServiceSettings } from '@shopnest/platform-config';
import { EventBusConfig, eventBusEnvSchema } from '@shopnest/platform-event-bus';
import { corsEnvSchema, CorsOrigins } from '@shopnest/platform-http';
import { SupportConfig, supportEnvSchema } from '../support.config';

export const SUPPORT_DESK = 'support-desk';

/** support-desk's whole configuration, parsed once at start-up. */
export interface SupportDeskConfig extends ServiceSettings {
  jwt: JwtVerifyConfig;
  eventBus: EventBusConfig;
  support: SupportConfig;
  /** Browser origins allowed by CORS (`CORS_ORIGINS`, e.g. the web console's); null: none. */
  cors: CorsOrigins;
}

/**
 * The env of support-desk: service (`HOST`, `PORT` default 3003, `LOG_LEVEL`,
 * `SHUTDOWN_TIMEOUT_MS`), JWT verification (`JWT_*`), the event bus (`EVENT_BUS`, `KAFKA_*`) and
 * the ticket store, outbox and order checks (`DATABASE_*`, `OUTBOX_*`, `ORDER_TRACKING_URL`, `SERVICE_TOKEN`), and the browser origins CORS allows (`CORS_ORIGINS`).
 */
export const supportDeskEnvSchema = envFragments({
  service: serviceEnv(3003),
  jwt: jwtEnvSchema,
  eventBus: eventBusEnvSchema,
  support: supportEnvSchema,
  cors: corsEnvSchema,
}).transform(
  ({ service, jwt, eventBus, support, cors }): SupportDeskConfig => ({ ...service, jwt, eventBus, support, cors }),
);

/** support-desk as its own process (the cluster): the in-process bus would reach no worker, so it is refused. */
export const supportDeskProcessEnvSchema = refusing(supportDeskEnvSchema, [
  {
    key: 'EVENT_BUS',
    value: 'memory',
    why: 'events of a support-desk in its own process would reach no notification-worker; use Kafka, or the one-process mode (npm start)',
  },
]);
