import { migrate, PgliteDatabase } from '@shopnest/platform-sql';
import { describeInboxStoreContract } from './inbox-store.contract';
import { INBOX_MIGRATIONS } from './migrations';
import { SqlInboxStore } from './sql-inbox-store';

// One PGlite for the file (starting WebAssembly PostgreSQL takes seconds), emptied after each test.
let pglite: Promise<PgliteDatabase> | undefined;
afterAll(async () => (await pglite)?.close());

describeInboxStoreContract('PGlite', async () => {
  pglite ??= (async () => {
    const db = new PgliteDatabase({ schema: 'inbox' });
    await db.connect();
    await migrate(db, INBOX_MIGRATIONS);
    return db;
  })();
  const db = await pglite;
  return { store: new SqlInboxStore(db), close: () => db.exec('TRUNCATE inbox_items') };
});
