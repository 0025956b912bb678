import { migrate, PgliteDatabase, SqlExecutor } from '@shopnest/platform-sql';
import { describeInboxStoreContract, testNotification } from './inbox-store.contract';
import { INBOX_MIGRATIONS } from './migrations';
import { SqlInboxStore } from './sql-inbox-store';

// One PGlite for the file (starting WebAssembly PostgreSQL takes seconds), emptied after each test.
let pglite: Promise<PgliteDatabase> | undefined;
afterAll(async () => (await pglite)?.close());

function openPglite(): Promise<PgliteDatabase> {
  pglite ??= (async () => {
    const db = new PgliteDatabase({ schema: 'inbox' });
    await db.connect();
    await migrate(db, INBOX_MIGRATIONS);
    return db;
  })();
  return pglite;
}

describeInboxStoreContract('PGlite', async () => {
  const db = await openPglite();
  return { store: new SqlInboxStore(db), close: () => db.exec('TRUNCATE inbox_items') };
});

describe('SqlInboxStore grouping', () => {
  it('sends adds that arrive while an insert is on its way as one statement', async () => {
    const db = await openPglite();
    const statements: string[] = [];
    const recording: SqlExecutor = {
      query: <R>(text: string, params?: unknown[]) => {
        statements.push(text);
        return db.query<R>(text, params);
      },
      exec: (script) => db.exec(script),
    };
    const store = new SqlInboxStore(recording);

    const added = await Promise.all(
      Array.from({ length: 30 }, (_, i) => store.add('u-grouped', testNotification(`n${i}`))),
    );

    expect(added.every((item) => item !== null)).toBe(true);
    // The first add alone, the 29 that came meanwhile together.
    expect(statements.filter((text) => text.trimStart().startsWith('INSERT'))).toHaveLength(2);
    await db.exec('TRUNCATE inbox_items');
  });
});
