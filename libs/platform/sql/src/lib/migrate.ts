import { Migration } from './migration';
import { SqlDatabase } from './sql-database';

export interface MigrationResult {
  /** Versions this call applied (empty when the schema was up to date). */
  applied: number[];
}

/**
 * Brings `db.schema` up to date with `migrations` (the owning domain's list, oldest first): creates `schema_migrations` if missing, then applies each
 * migration not recorded there, in version order, each in its own transaction together with its
 * record. Every transaction first takes an advisory lock on the schema, so replicas starting
 * together apply each migration exactly once: the second waits, then finds it recorded.
 */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[]): Promise<MigrationResult> {
  assertOrdered(migrations);
  const lockKey = `shopnest-migrations:${db.schema}`;
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return { applied };
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (previous && migration.version <= previous.version) {
      throw new Error(
        `migrations out of order: ${previous.version} (${previous.name}) before ${migration.version} (${migration.name})`,
      );
    }
  });
}
