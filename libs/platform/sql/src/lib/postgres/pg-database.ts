import { Logger } from '@nestjs/common';
import { retryWithBackoff } from '@shopnest/platform-retry';
import { Client, ClientConfig, DatabaseError, Pool, PoolClient } from 'pg';
import { DatabaseUnavailable, SCHEMA_NAME, SqlDatabase, SqlExecutor } from '../sql-database';
import { StatementNames } from './statement-names';

export interface PgDatabaseOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  schema: string;
  /** Connections in the pool (default 10; the relay's open transaction takes one); LISTEN and `notify` have one each besides. */
  poolMax?: number;
  /**
   * Longest wait for a connection (new, or free in the pool) and for one statement, on the server
   * (`statement_timeout`) and on the client (a server that stopped answering); default 5000 ms.
   * Past it the call rejects with {@link DatabaseUnavailable}, so a request never hangs on the database.
   */
  timeoutMs?: number;
  /** Names the connections in `pg_stat_activity` (default `shopnest`). */
  applicationName?: string;
  /**
   * How many distinct statements the pool prepares on its connections (default 100; 0: none).
   * See {@link StatementNames}.
   */
  preparedStatements?: number;
}

/**
 * SQLSTATEs that say the server, not the statement, failed: shutting down or starting up, too
 * many connections, a statement cancelled by `statement_timeout`; and class 08, connection exceptions.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/** Reconnects of the LISTEN connection after it dropped (the sweep covers the gap): backoff up to 5 s, until it is stopped. */
const LISTEN_RETRY = { attempts: Infinity, startingDelayMs: 200, maxDelayMs: 5000 };

/**
 * `error` as callers should see it: a {@link DatabaseUnavailable} when the server is at fault.
 * Anything pg throws that is not a server's SQL error (refused, reset or dropped connections,
 * connect and query timeouts, a client broken by an earlier drop) means the server is unreachable.
 */
function translate(error: unknown, where: string): unknown {
  if (error instanceof DatabaseError) {
    const code = error.code ?? '';
    return UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') ? new DatabaseUnavailable(where, error) : error;
  }
  return new DatabaseUnavailable(where, error);
}

/** PostgreSQL's answer to a prepared statement whose result columns a schema change altered. */
function isStalePlan(error: unknown): boolean {
  return error instanceof DatabaseError && error.code === '0A000' && /cached plan/.test(error.message);
}

const executor = (client: Pool | PoolClient, where: string, names: StatementNames): SqlExecutor => ({
  async query<R>(text: string, params?: unknown[]) {
    const name = params ? names.nameFor(text) : undefined;
    try {
      return (await client.query({ text, values: params, ...(name && { name }) })).rows as R[];
    } catch (error) {
      if (name && isStalePlan(error)) {
        names.refuse(text);
        // Outside a transaction the statement can run again at once, unnamed; inside one, the
        // transaction is aborted: unavailable this once (503, retried), unnamed on the next try.
        if (client instanceof Pool) return this.query<R>(text, params);
        throw new DatabaseUnavailable(where, error);
      }
      throw translate(error, where);
    }
  },
  async exec(script: string) {
    try {
      await client.query(script);
    } catch (error) {
      throw translate(error, where);
    }
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
 * `timeoutMs`, naming the server (never the password). While the server is away every call
 * rejects at once (or within `timeoutMs`) with {@link DatabaseUnavailable}; the pool reconnects
 * by itself once it is back, and a connection lost in the middle never crashes the process.
 */
export class PgDatabase extends SqlDatabase {
  readonly schema: string;
  readonly concurrentTransactions = true;
  private readonly pool: Pool;
  /** `notify`'s own connection: a signal never waits behind requests queued for the pool. */
  private readonly signalPool: Pool;
  private readonly where: string;
  private readonly logger = new Logger('PgDatabase');
  private closing?: Promise<void>;
  private readonly listeners = new Set<Client>();
  private readonly names: StatementNames;

  constructor(private readonly options: PgDatabaseOptions) {
    super();
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name ${JSON.stringify(options.schema)}`);
    this.schema = options.schema;
    this.where = redactUrl(options.url);
    this.names = new StatementNames(options.preparedStatements ?? 100);
    this.pool = new Pool({ ...this.clientConfig(), max: options.poolMax ?? 10 });
    this.signalPool = new Pool({ ...this.clientConfig(), max: 1 });
    // An idle client losing its server must not crash the process; the next query reconnects.
    for (const pool of [this.pool, this.signalPool]) {
      pool.on('error', (error) => this.logger.warn(`idle connection to ${this.where} failed: ${error.message}`));
    }
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
    return executor(this.pool, this.where, this.names).query<R>(text, params);
  }

  exec(script: string): Promise<void> {
    return executor(this.pool, this.where, this.names).exec(script);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error, this.where);
    }
    let broken = false;
    // A checked-out client has no pool listener: without this one, a connection dropped while
    // it is out (the relay waiting on Kafka) would be an unhandled 'error' and end the process.
    const onError = (error: Error) => {
      broken = true;
      this.logger.warn(`connection to ${this.where} lost during a transaction: ${error.message}`);
    };
    client.on('error', onError);
    const tx = executor(client, this.where, this.names);
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.removeListener('error', onError);
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
      void retryWithBackoff(
        () => (stopped ? Promise.resolve() : open()),
        LISTEN_RETRY,
        () => !stopped,
      )
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

  protected async sendNotification(channel: string): Promise<void> {
    if (this.closing) return;
    await executor(this.signalPool, this.where, this.names).query('SELECT pg_notify($1, $2)', [channel, '']);
  }

  /**
   * Ends the pools, after the notifications on their way. A connection still checked out (a relay
   * transaction waiting on Kafka) is not waited for beyond 2 s: the process is about to exit, and
   * the server then rolls it back.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.listeners].map((client) => client.end()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([
          this.pool.end().catch(() => undefined),
          this.notificationsSent().then(() => this.signalPool.end().catch(() => undefined)),
        ]),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000).unref())),
      ]);
      clearTimeout(timer);
    })();
    return this.closing;
  }

  private clientConfig(): ClientConfig {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    return {
      connectionString: this.options.url,
      connectionTimeoutMillis: timeoutMs,
      // The client's own limit covers a server that stopped answering; the server's cancels a slow statement.
      query_timeout: timeoutMs + 1000,
      options: `-c search_path=${this.schema} -c statement_timeout=${timeoutMs}`,
      application_name: this.options.applicationName ?? 'shopnest',
    };
  }
}
