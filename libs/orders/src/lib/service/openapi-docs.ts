import { INestApplication } from '@nestjs/common';
import { serveOpenApiDocs } from '@shopnest/platform-http';

/** Serves the OpenAPI document of the REST API: the UI at `/docs`, the JSON at `/docs/json`. */
export function serveOpenApi(app: INestApplication): void {
  serveOpenApiDocs(app, {
    title: 'ShopNest order-tracking',
    description:
      'Orders, their status state machine, couriers and positions. Every change is stored with its CloudEvent ' +
      'and published to Kafka (`shopnest.orders.v1`, key = order id) through a transactional outbox. ' +
      'Errors are `{ code, message, ...details }`.',
  });
}
