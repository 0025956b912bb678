import { migrate, PgDatabase } from '@shopnest/platform-sql';
import { runId } from '@shopnest/testing';
import { Pool } from 'pg';
import { describeInboxStoreContract } from './inbox-store.contract';
import { INBOX_MIGRATIONS } from './migrations';
import { SqlInboxStore } from './sql-inbox-store';

const url = process.env['DATABASE_URL'];
if (!url) throw new Error('DATABASE_URL is not set (the int-test globalSetup provides it)');

const schema = `inbox_it_${runId()}`;
let shared: Promise<PgDatabase> | undefined;

afterAll(async () => {
  await (await shared)?.close();
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describeInboxStoreContract('PostgreSQL', async () => {
  shared ??= (async () => {
    const db = new PgDatabase({ url, schema, poolMax: 3 });
    await db.connect();
    await migrate(db, INBOX_MIGRATIONS);
    return db;
  })();
  const db = await shared;
  return { store: new SqlInboxStore(db), close: () => db.exec('TRUNCATE inbox_items') };
});
