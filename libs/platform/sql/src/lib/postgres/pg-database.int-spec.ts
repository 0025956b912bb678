import { Pool } from 'pg';
import { openSqlDatabase } from '../open-sql-database';
import { describeSqlDatabaseContract } from '../sql-database.contract';

const url = process.env['DATABASE_URL'];
if (!url) throw new Error('DATABASE_URL is not set (the int-test globalSetup provides it)');

const schemas = new Set<string>();
afterAll(async () => {
  const admin = new Pool({ connectionString: url, max: 1 });
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describeSqlDatabaseContract('PostgreSQL', (schema) => {
  schemas.add(schema);
  return openSqlDatabase({ driver: 'postgres', url, schema, poolMax: 3, timeoutMs: 5_000 });
});

describe('openSqlDatabase on PostgreSQL', () => {
  it('fails naming the server without its password when it is unreachable', async () => {
    const opening = openSqlDatabase({
      driver: 'postgres',
      url: 'postgres://u:s3cret@127.0.0.1:1/db',
      schema: 'x',
      poolMax: 1,
      timeoutMs: 5_000,
    });
    await expect(opening).rejects.toThrow(/PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db unavailable/);
    await expect(opening).rejects.not.toThrow(/s3cret/);
  });
});
