import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@shopnest/testing';
import { migrate } from './migrate';
import { SqlDatabase } from './sql-database';

/**
 * The behaviour every {@link SqlDatabase} promises, and `migrate` on it; run against each adapter
 * (the server one against real PostgreSQL). `open(schema)` returns a connected database working
 * in a schema of its own; the suite closes it.
 *
 * @example
 * describeSqlDatabaseContract('PGlite', async (schema) => openSqlDatabase({ driver: 'pglite', schema }));
 */
export function describeSqlDatabaseContract(name: string, open: (schema: string) => Promise<SqlDatabase>): void {
  describe(`SqlDatabase contract: ${name}`, () => {
    let db: SqlDatabase;
    const schema = `sql_contract_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

    beforeAll(async () => {
      db = await open(schema);
      await db.exec('CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL)');
    }, 60_000);

    afterAll(async () => {
      await db?.close();
    });

    it('runs every statement in its schema, with $n parameters', async () => {
      await db.query('INSERT INTO items (id, label) VALUES ($1, $2)', [1, 'ünï']);

      expect(await db.query('SELECT current_schema() AS s')).toEqual([{ s: schema }]);
      expect(await db.query('SELECT label FROM items WHERE id = $1', [1])).toEqual([{ label: 'ünï' }]);
    });

    it('commits a transaction whose work resolves, with its result', async () => {
      const result = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, label) VALUES ($1, $2)', [2, 'kept']);
        return 'done';
      });

      expect(result).toBe('done');
      expect(await db.query('SELECT label FROM items WHERE id = 2')).toEqual([{ label: 'kept' }]);
    });

    it('rolls back every statement of a transaction whose work rejects, and rejects with its error', async () => {
      const failing = db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, label) VALUES ($1, $2)', [3, 'dropped']);
        throw new Error('on purpose');
      });

      await expect(failing).rejects.toThrow('on purpose');
      expect(await db.query('SELECT id FROM items WHERE id = 3')).toEqual([]);
    });

    it('hands a notification sent inside a transaction to listeners only once it commits, until they stop', async () => {
      const channel = `${schema}_events`;
      let notified = 0;
      const stop = await db.listen(channel, () => notified++);
      const before = notified; // an adapter may call once on (re)connecting, for what it missed

      await db.transaction(async (tx) => {
        await tx.query('SELECT pg_notify($1, $2)', [channel, '']);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(notified).toBe(before);
      });
      await waitFor(() => notified === before + 1);
      await stop();
      await db.query('SELECT pg_notify($1, $2)', [channel, '']);
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(notified).toBe(before + 1);
    });

    it('wakes listeners with notify, one statement at a time: calls made meanwhile coalesce into one more', async () => {
      const channel = `${schema}_signals`;
      let notified = 0;
      const stop = await db.listen(channel, () => notified++);
      const before = notified;

      db.notify(channel);
      await waitFor(() => notified === before + 1);
      for (let call = 0; call < 20; call++) db.notify(channel);
      await waitFor(() => notified === before + 3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await stop();

      expect(notified).toBe(before + 3);
    });

    it('migrates once: each migration applied and recorded, a second run applies nothing', async () => {
      const migrations = [
        { version: 1, name: 'first', sql: 'CREATE TABLE first_table (id integer)' },
        { version: 2, name: 'second', sql: 'ALTER TABLE first_table ADD COLUMN label text' },
      ];

      expect(await migrate(db, migrations)).toEqual({ applied: [1, 2] });
      expect(await migrate(db, migrations)).toEqual({ applied: [] });
      expect(await db.query('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual([
        { version: 1, name: 'first' },
        { version: 2, name: 'second' },
      ]);
    });

    it('refuses migrations out of order, applying none of them', async () => {
      const outOfOrder = [
        { version: 4, name: 'later', sql: 'CREATE TABLE later_table (id integer)' },
        { version: 3, name: 'earlier', sql: 'CREATE TABLE earlier_table (id integer)' },
      ];

      await expect(migrate(db, outOfOrder)).rejects.toThrow(/out of order/);
      expect(await db.query("SELECT to_regclass('later_table') AS t")).toEqual([{ t: null }]);
    });

    it('closes idempotently (last: the suite shares one database)', async () => {
      db.notify(`${schema}_signals`);
      await db.close();
      await expect(db.close()).resolves.toBeUndefined();
      expect(() => db.notify(`${schema}_signals`)).not.toThrow();
    });
  });
}
