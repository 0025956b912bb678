import { Logger } from '@nestjs/common';
import { retryWithBackoff } from '@shopnest/platform-retry';
import { Client, ClientConfig, Pool, PoolClient } from 'pg';
import { SCHEMA_NAME, SqlDatabase, SqlExecutor } from '../sql-database';

export interface PgDatabaseOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  schema: string;
  /** Connections in the pool (default 10); the relay's open transaction and LISTEN use one each. */
  poolMax?: number;
  /** How long a new connection may take before start-up fails (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Names the connections in `pg_stat_activity` (default `shopnest`). */
  applicationName?: string;
}

/** Reconnects of the LISTEN connection after it dropped (the sweep covers the gap): backoff up to 5 s, until it is stopped. */
const LISTEN_RETRY = { attempts: Infinity, startingDelayMs: 200, maxDelayMs: 5000 };

const executor = (client: Pool | PoolClient): SqlExecutor => ({
  async query<R>(text: string, params?: unknown[]) {
    return (await client.query(text, params)).rows as R[];
  },
  async exec(script: string) {
    await client.query(script);
  },
});

/** The URL without its password, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/**
 * {@link SqlDatabase} on a PostgreSQL server through a `pg` pool; every connection has
 * `search_path` set to the schema. `connect()` creates the schema if missing and fails within
 * `connectTimeoutMs`, naming the server (never the password).
 */
export class PgDatabase extends SqlDatabase {
  readonly schema: string;
  readonly concurrentTransactions = true;
  private readonly pool: Pool;
  private readonly where: string;
  private readonly logger = new Logger('PgDatabase');
  private closing?: Promise<void>;
  private readonly listeners = new Set<Client>();

  constructor(private readonly options: PgDatabaseOptions) {
    super();
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name ${JSON.stringify(options.schema)}`);
    this.schema = options.schema;
    this.where = redactUrl(options.url);
    this.pool = new Pool({ ...this.clientConfig(), max: options.poolMax ?? 10 });
    // An idle client losing its server must not crash the process; the next query reconnects.
    this.pool.on('error', (error) => this.logger.warn(`idle connection to ${this.where} failed: ${error.message}`));
  }

  async connect(): Promise<void> {
    try {
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
    } catch (error) {
      // Two replicas creating the schema at once: one wins, the other sees a unique violation.
      if ((error as { code?: string }).code === '23505') return;
      throw new Error(`PostgreSQL at ${this.where} unavailable: ${(error as Error).message}`, { cause: error });
    }
  }

  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
    return executor(this.pool).query<R>(text, params);
  }

  exec(script: string): Promise<void> {
    return executor(this.pool).exec(script);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    let stopped = false;
    let client: Client | undefined;
    let reconnecting = false;
    const open = async (): Promise<void> => {
      const next = new Client(this.clientConfig());
      next.on('notification', (message) => {
        if (message.channel === channel) onNotify();
      });
      next.on('error', (error) => {
        this.logger.warn(`LISTEN ${channel} on ${this.where} failed: ${error.message}; reconnecting`);
        this.listeners.delete(next);
        next.end().catch(() => undefined);
        if (!stopped) reconnect();
      });
      await next.connect();
      await next.query(`LISTEN "${channel}"`);
      if (stopped) {
        await next.end();
        return;
      }
      client = next;
      this.listeners.add(next);
      onNotify(); // whatever committed while we were not listening
    };
    const reconnect = () => {
      if (reconnecting) return; // one retry loop, however many errors the dropped connection reports
      reconnecting = true;
      // Gives up only once stopped; `open` after a stop does nothing.
      void retryWithBackoff(() => (stopped ? Promise.resolve() : open()), LISTEN_RETRY, () => !stopped)
        .catch(() => undefined)
        .finally(() => (reconnecting = false));
    };
    await open();
    return async () => {
      stopped = true;
      if (client) {
        this.listeners.delete(client);
        await client.end().catch(() => undefined);
      }
    };
  }

  /**
   * Ends the pool. A connection still checked out (a relay transaction waiting on Kafka) is not
   * waited for beyond 2 s: the process is about to exit, and the server then rolls it back.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.listeners].map((client) => client.end()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.pool.end().catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000).unref())),
      ]);
      clearTimeout(timer);
    })();
    return this.closing;
  }

  private clientConfig(): ClientConfig {
    return {
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      options: `-c search_path=${this.schema}`,
      application_name: this.options.applicationName ?? 'shopnest',
    };
  }
}
