import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { SCHEMA_NAME, SqlDatabase, SqlExecutor } from '../sql-database';

export interface PgliteDatabaseOptions {
  /** Directory of the database files; unset: in memory, gone when the process ends. */
  dataDir?: string;
  schema: string;
}

/**
 * {@link SqlDatabase} on PGlite: PostgreSQL compiled to WebAssembly, in this process, for the
 * one-process mode. The same SQL as the server; one connection, so transactions run one at a
 * time (`concurrentTransactions` is false) and notifications stay in this process.
 */
export class PgliteDatabase extends SqlDatabase {
  readonly schema: string;
  readonly concurrentTransactions = false;
  private readonly db: PGlite;
  private closing?: Promise<void>;

  constructor(options: PgliteDatabaseOptions) {
    super();
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name ${JSON.stringify(options.schema)}`);
    this.schema = options.schema;
    // PGlite creates its own folder but not the folders above it (e.g. `.data/` of a fresh clone).
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    this.db = new PGlite(options.dataDir);
  }

  async connect(): Promise<void> {
    await this.db.waitReady;
    await this.db.exec(`CREATE SCHEMA IF NOT EXISTS ${this.schema}; SET search_path TO ${this.schema};`);
  }

  async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
    return (await this.db.query<R>(text, params)).rows;
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      work({
        query: async <R>(text: string, params?: unknown[]) => (await tx.query<R>(text, params)).rows,
        exec: async (script: string) => {
          await tx.exec(script);
        },
      }),
    );
  }

  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(`"${channel}"`, () => onNotify());
    return () => unlisten();
  }

  protected async sendNotification(channel: string): Promise<void> {
    if (this.closing) return;
    await this.db.query('SELECT pg_notify($1, $2)', [channel, '']);
  }

  close(): Promise<void> {
    this.closing ??= this.notificationsSent().then(() => this.db.close());
    return this.closing;
  }
}
