import { positiveInt } from '@shopnest/platform-config';
import { z } from 'zod';
import { SCHEMA_NAME } from './sql-database';

export const SQL_DATABASE_DRIVERS = ['postgres', 'pglite'] as const;

/** Which {@link SqlDatabase} a service opens, with its settings: the argument of `openSqlDatabase`. */
export type SqlDatabaseConfig =
  | {
      driver: 'postgres';
      url: string;
      schema: string;
      poolMax: number;
      timeoutMs: number;
      /** Distinct statements the pool prepares (default 100, 0: none); see `PgDatabaseOptions.preparedStatements`. */
      preparedStatements?: number;
    }
  | { driver: 'pglite'; schema: string; dataDir?: string };

/**
 * `DATABASE=postgres|pglite` (default `postgres`; anything else stops start-up), `DATABASE_URL`
 * (a secret; required when `DATABASE=postgres`), `DATABASE_SCHEMA` (default `public`),
 * `DATABASE_POOL_MAX` (10), `DATABASE_TIMEOUT_MS` (5000: longest wait for a connection or a statement;
 * past it a call rejects with `DatabaseUnavailable`), `DATABASE_PREPARED_STATEMENTS` (100: distinct statements
 * each connection may keep prepared; 0 for a pooler that does not support them) and `PGLITE_DATA_DIR`
 * (PGlite's files; unset: in memory). Parses to a
 * {@link SqlDatabaseConfig}.
 *
 * @example
 * const db = await openSqlDatabase(parseEnv(sqlDatabaseEnvSchema, process.env));
 */
export const sqlDatabaseEnvSchema = sqlDatabaseEnv({ defaultSchema: 'public' });

/**
 * {@link sqlDatabaseEnvSchema} with another default `DATABASE_SCHEMA`: a service that may share a
 * database with another keeps its tables (and its `schema_migrations`) in a schema of its own.
 *
 * @example
 * const store = sqlDatabaseEnv({ defaultSchema: 'support' });
 */
export function sqlDatabaseEnv(options: { defaultSchema: string }) {
  return z
    .object({
      DATABASE: z.enum(SQL_DATABASE_DRIVERS).default('postgres'),
      DATABASE_URL: z
        .string()
        .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// (or postgresql://) URL')
        .optional(),
      DATABASE_SCHEMA: z
        .string()
        .regex(
          SCHEMA_NAME,
          'must be a lower-case SQL name: a-z, 0-9 and _, not starting with a digit, at most 56 characters',
        )
        .default(options.defaultSchema),
      DATABASE_POOL_MAX: positiveInt(10),
      DATABASE_TIMEOUT_MS: positiveInt(5000),
      DATABASE_PREPARED_STATEMENTS: z.coerce.number().int().min(0).max(10_000).default(100),
      PGLITE_DATA_DIR: z.string().min(1).optional(),
    })
    .superRefine((env, ctx) => {
      if (env.DATABASE === 'postgres' && !env.DATABASE_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['DATABASE_URL'],
          message: 'required when DATABASE=postgres (or set DATABASE=pglite)',
        });
      }
    })
    .transform(
      (env): SqlDatabaseConfig =>
        env.DATABASE === 'postgres'
          ? {
              driver: 'postgres',
              url: env.DATABASE_URL as string,
              schema: env.DATABASE_SCHEMA,
              poolMax: env.DATABASE_POOL_MAX,
              timeoutMs: env.DATABASE_TIMEOUT_MS,
              preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
            }
          : {
              driver: 'pglite',
              schema: env.DATABASE_SCHEMA,
              ...(env.PGLITE_DATA_DIR && { dataDir: env.PGLITE_DATA_DIR }),
            },
    );
}
