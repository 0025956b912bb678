import { PgliteDatabase } from './pglite/pglite-database';
import { PgDatabase, redactUrl } from './postgres/pg-database';
import { SQL_DATABASE_DRIVERS, SqlDatabaseConfig } from './sql.config';
import { SqlDatabase } from './sql-database';
import { migrate } from './migrate';
import { Migration } from './migration';

export interface OpenSqlDatabaseOptions {
  /** Names the server connections in `pg_stat_activity` (e.g. the service's name). */
  applicationName?: string;
}

/**
 * Opens the database `config.driver` names and connects it (creating the schema if missing);
 * an unreachable server rejects naming it (never the password), and nothing is left open.
 *
 * @example
 * const db = await openSqlDatabase({ driver: 'pglite', schema: 'public' });
 * await migrate(db, MIGRATIONS);
 */
export async function openSqlDatabase(
  config: SqlDatabaseConfig,
  options: OpenSqlDatabaseOptions = {},
): Promise<SqlDatabase> {
  const db = createSqlDatabase(config, options);
  try {
    await db.connect();
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}

export interface MigratedSqlDatabase {
  db: SqlDatabase;
  /** For the start-up log: where, which schema, and the migrations this start applied. */
  summary: string;
}

/**
 * {@link openSqlDatabase}, then {@link migrate}: a service's own database, ready for its stores. A
 * failed migration closes the database again and rejects.
 *
 * @example
 * const { db, summary } = await openMigratedSqlDatabase(config, MIGRATIONS, { applicationName: 'support-desk' });
 * logger.log(`tickets in ${summary}`);
 */
export async function openMigratedSqlDatabase(
  config: SqlDatabaseConfig,
  migrations: readonly Migration[],
  options: OpenSqlDatabaseOptions = {},
): Promise<MigratedSqlDatabase> {
  const db = await openSqlDatabase(config, options);
  try {
    const { applied } = await migrate(db, migrations);
    const summary = `${describeSqlDatabase(config)}, schema ${config.schema}; migrations applied now: ${applied.join(', ') || 'none'}`;
    return { db, summary };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/** Where `config` keeps its data, for logs: the server's URL without its password, or PGlite's folder. */
export function describeSqlDatabase(config: SqlDatabaseConfig): string {
  return config.driver === 'postgres' ? redactUrl(config.url) : `PGlite (${config.dataDir ?? 'in memory'})`;
}

function createSqlDatabase(config: SqlDatabaseConfig, options: OpenSqlDatabaseOptions): SqlDatabase {
  switch (config.driver) {
    case 'postgres':
      return new PgDatabase({
        url: config.url,
        schema: config.schema,
        poolMax: config.poolMax,
        timeoutMs: config.timeoutMs,
        preparedStatements: config.preparedStatements,
        applicationName: options.applicationName,
      });
    case 'pglite':
      return new PgliteDatabase({ schema: config.schema, dataDir: config.dataDir });
    default:
      throw new Error(
        `openSqlDatabase: unknown driver ${JSON.stringify((config as { driver: unknown }).driver)}; use ${SQL_DATABASE_DRIVERS.join('|')}`,
      );
  }
}
