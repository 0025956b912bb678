import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SchemaObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';

/** The OpenAPI 3.0 schema of a zod request schema, so `/docs` and validation never disagree. */
export const openApiSchema = (schema: z.ZodType): SchemaObject =>
  z.toJSONSchema(schema, { target: 'openapi-3.0' }) as SchemaObject;

/**
 * Serves a service's OpenAPI document: the UI at `/docs`, the JSON at `/docs/json`, with JWT
 * bearer auth declared.
 *
 * @example
 * serveOpenApiDocs(app, { title: 'ShopNest support-desk', description: 'Tickets and chat.' })
 */
export function serveOpenApiDocs(app: INestApplication, doc: { title: string; description: string }): void {
  const config = new DocumentBuilder()
    .setTitle(doc.title)
    .setDescription(doc.description)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs/json' });
}
