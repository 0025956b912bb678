import { Pool } from 'pg';
import { openSqlDatabase } from '../open-sql-database';
import { describeSqlDatabaseContract } from '../sql-database.contract';
import { DatabaseUnavailable } from '../sql-database';
import { PgDatabase } from './pg-database';

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
  return openSqlDatabase({ driver: 'postgres', url, schema, poolMax: 3, timeoutMs: 5_000, preparedStatements: 100 });
});

describe('openSqlDatabase on PostgreSQL', () => {
  it('fails naming the server without its password when it is unreachable', async () => {
    const opening = openSqlDatabase({
      driver: 'postgres',
      url: 'postgres://u:s3cret@127.0.0.1:1/db',
      schema: 'x',
      poolMax: 1,
      timeoutMs: 5_000,
      preparedStatements: 100,
    });
    await expect(opening).rejects.toThrow(/PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db unavailable/);
    await expect(opening).rejects.not.toThrow(/s3cret/);
  });
});

describe('PgDatabase prepared statements', () => {
  const open = async (preparedStatements?: number) => {
    const schema = `prep_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    schemas.add(schema);
    // One connection, so the session the statements were prepared in is the one asked about.
    const db = new PgDatabase({
      url,
      schema,
      poolMax: 1,
      ...(preparedStatements !== undefined && { preparedStatements }),
    });
    await db.connect();
    await db.exec('CREATE TABLE items (id int PRIMARY KEY, label text)');
    await db.query('INSERT INTO items VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
    return db;
  };
  const prepared = async (db: PgDatabase) =>
    (await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).map((r) => r.statement);

  it('prepares a parameterised statement from its second run on, and answers the same', async () => {
    const db = await open();
    try {
      const read = 'SELECT label FROM items WHERE id = $1';
      await expect(db.query(read, [1])).resolves.toEqual([{ label: 'one' }]);
      expect(await prepared(db)).not.toContain(read);
      await expect(db.query(read, [2])).resolves.toEqual([{ label: 'two' }]);
      await expect(db.query(read, [3])).resolves.toEqual([]);
      expect(await prepared(db)).toEqual([read]);
      // Inside a transaction too, on the same connection's prepared copy.
      await expect(db.transaction((tx) => tx.query(read, [1]))).resolves.toEqual([{ label: 'one' }]);
    } finally {
      await db.close();
    }
  });

  it('runs a statement unnamed once a migration changed what its prepared copy returns', async () => {
    const db = await open();
    try {
      const read = 'SELECT * FROM items WHERE id = $1';
      await db.query(read, [1]);
      await db.query(read, [1]);
      expect(await prepared(db)).toEqual([read]);
      await db.exec('ALTER TABLE items ADD COLUMN note text');
      await expect(db.query(read, [1])).resolves.toEqual([{ id: 1, label: 'one', note: null }]);
      await expect(db.query(read, [2])).resolves.toEqual([{ id: 2, label: 'two', note: null }]);

      // Inside a transaction the stale copy aborts it: unavailable once, then unnamed.
      const other = 'SELECT * FROM items WHERE id = $1 AND label IS NOT NULL';
      await db.query(other, [1]);
      await db.query(other, [1]);
      await db.exec('ALTER TABLE items ADD COLUMN extra int');
      await expect(db.transaction((tx) => tx.query(other, [1]))).rejects.toThrow(DatabaseUnavailable);
      await expect(db.transaction((tx) => tx.query(other, [1]))).resolves.toEqual([
        { id: 1, label: 'one', note: null, extra: null },
      ]);
    } finally {
      await db.close();
    }
  });

  it('prepares nothing with preparedStatements 0', async () => {
    const db = await open(0);
    try {
      for (const id of [1, 2, 3]) await db.query('SELECT label FROM items WHERE id = $1', [id]);
      expect(await prepared(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
