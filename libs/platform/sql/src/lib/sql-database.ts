import { Logger } from '@nestjs/common';
import { coalesced, CoalescedRun } from './coalesced';

/** Runs SQL: a pool, a transaction's connection, or an embedded engine. */
export interface SqlExecutor {
  /** One statement with `$1`-style parameters; resolves with its rows. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** A script of several statements, without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * The database did not answer: the server is away, refused or dropped the connection, or a
 * statement ran out of time. Nothing about the request was wrong; the caller may retry later
 * (REST answers 503 `UNAVAILABLE`).
 */
export class DatabaseUnavailable extends Error {
  override readonly name = 'DatabaseUnavailable';
  constructor(where: string, cause: unknown) {
    super(`the database at ${where} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** Schema names we accept: they go unquoted into `search_path` and (prefixed, within 63 characters) a notification channel. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,55}$/;

/**
 * A PostgreSQL-compatible database (the server through `pg`, or embedded PGlite) seen through
 * the few operations a store needs, so one SQL implementation serves both.
 *
 * Guarantees: every statement runs with `search_path` set to `schema`; `transaction` commits
 * when `work` resolves and rolls back when it rejects; notifications sent with `pg_notify`
 * inside a transaction reach `listen`ers only after it commits; `notify` wakes `listen`ers
 * (below); `close()` is idempotent.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await tx.query('UPDATE orders SET status = $2 WHERE id = $1', [id, 'confirmed']);
 * });
 */
export abstract class SqlDatabase implements SqlExecutor {
  /** The schema every statement works in. */
  abstract readonly schema: string;
  /**
   * Whether transactions run side by side on separate connections (the server) or one at a
   * time (PGlite). Code that would hold a transaction open while it waits on something else
   * (the relay, while Kafka answers) must not do so when this is false: it would stall every
   * other query.
   */
  abstract readonly concurrentTransactions: boolean;
  /** Opens the database and creates `schema` if missing; rejects naming the server (never its password). */
  abstract connect(): Promise<void>;
  abstract query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  abstract exec(script: string): Promise<void>;
  abstract transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Calls `onNotify` for every notification on `channel`; resolves once listening; the result stops it. */
  abstract listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  abstract close(): Promise<void>;

  private readonly signals = new Map<string, CoalescedRun>();

  /**
   * Wakes the `listen`ers of `channel`, in this process and every other, after a commit: a
   * `pg_notify` in a statement of its own, never in the writer's transaction, because a transaction
   * that notifies holds a database-wide lock through its commit, so notifying writers would commit
   * one at a time (measured: docs/benchmarks/README.md, "Commits without NOTIFY"). Calls made
   * while one is on its way are coalesced into one more after it, so a listener is woken at least
   * once after every call, possibly once for many. Never throws: a failure is logged, and the
   * listeners find the work on their next sweep.
   */
  notify(channel: string): void {
    let signal = this.signals.get(channel);
    if (!signal) {
      signal = coalesced(
        () => this.sendNotification(channel),
        (error) => logger.warn(`NOTIFY ${channel} failed (listeners catch up on their next sweep): ${describe(error)}`),
      );
      this.signals.set(channel, signal);
    }
    signal();
  }

  /** Sends one notification on `channel`, outside any transaction. */
  protected abstract sendNotification(channel: string): Promise<void>;

  /** Resolves once no notification is on its way: before the connections close. */
  protected async notificationsSent(): Promise<void> {
    await Promise.all([...this.signals.values()].map((signal) => signal.idle()));
  }
}

const logger = new Logger('SqlDatabase');
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
