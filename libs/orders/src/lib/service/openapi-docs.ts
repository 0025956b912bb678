import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the OpenAPI document of the REST API: the UI at `/docs`, the JSON at `/docs/json`. */
export function serveOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('ShopNest order-tracking')
    .setDescription(
      'Orders, their status state machine, couriers and positions. Every change is stored with its CloudEvent ' +
        'and published to Kafka (`shopnest.orders.v1`, key = order id) through a transactional outbox. ' +
        'Errors are `{ code, message, ...details }`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs/json' });
}
