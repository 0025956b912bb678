import { INestApplication } from '@nestjs/common';
import { csv } from '@shopnest/platform-config';
import { z } from 'zod';

/** Browser origins allowed to call a service: a list, `*` (anyone; only when set so), or null (no CORS headers). */
export type CorsOrigins = readonly string[] | '*' | null;

/** `CORS_ORIGINS`: `*` or comma-separated origins (`https://shop.example,https://ops.example`). */
export const corsOriginsSchema = z.union([
  z.literal('*'),
  csv().pipe(z.array(z.url({ error: 'each origin must be a URL such as https://shop.example' }))),
]);

/** The `CORS_ORIGINS` fragment of a REST service's environment; unset: no CORS (same-origin callers only). */
export const corsEnvSchema = z
  .object({ CORS_ORIGINS: corsOriginsSchema.optional() })
  .transform((env): CorsOrigins => env.CORS_ORIGINS ?? null);

/**
 * CORS for a REST service: the configured origins (the web console's, in the one-process mode),
 * never `*` unless configured so; nothing when null. The console reads `ETag` (optimistic updates)
 * and `Location` (created resources).
 *
 * @example
 * await runService(module, { ...config, configure: (app) => allowCorsOrigins(config.cors)(app) });
 */
export function allowCorsOrigins(origins: CorsOrigins) {
  return (app: INestApplication): void => {
    if (origins === null) return;
    app.enableCors({ origin: origins === '*' ? '*' : [...origins], exposedHeaders: ['ETag', 'Location'] });
  };
}
