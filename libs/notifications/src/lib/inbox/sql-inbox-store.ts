import { InboxCounts, InboxFilter, InboxItem, InboxNotification } from '@shopnest/contracts';
import { SqlExecutor } from '@shopnest/platform-sql';
import { v7 as uuidv7 } from 'uuid';
import { InboxItemChange, InboxStore, InboxUpdate } from './inbox-store.port';

interface ItemRow {
  id: string;
  event_id: string;
  event_type: string;
  event_subject: string;
  event_time: Date | string;
  text: string;
  data: unknown;
  created_at: Date | string;
  seen_at: Date | string | null;
  read_at: Date | string | null;
  archived_at: Date | string | null;
}

const COLUMNS =
  'id, event_id, event_type, event_subject, event_time, text, data, created_at, seen_at, read_at, archived_at';

const FILTERS: Readonly<Record<InboxFilter | 'default', string>> = {
  default: 'archived_at IS NULL',
  unread: 'archived_at IS NULL AND read_at IS NULL',
  unseen: 'archived_at IS NULL AND seen_at IS NULL',
  archived: 'archived_at IS NOT NULL',
  all: 'TRUE',
};

const iso = (value: Date | string): string => new Date(value).toISOString();
const isoOrNull = (value: Date | string | null): string | null => (value === null ? null : iso(value));

function toItem(row: ItemRow): InboxItem {
  return {
    id: row.id,
    createdAt: iso(row.created_at),
    notification: {
      eventId: row.event_id,
      type: row.event_type,
      text: row.text,
      subject: row.event_subject,
      time: iso(row.event_time),
      data: row.data ?? null,
    },
    seenAt: isoOrNull(row.seen_at),
    readAt: isoOrNull(row.read_at),
    archivedAt: isoOrNull(row.archived_at),
  };
}

/** A timestamp column set by `true` (keeping an earlier time), cleared by `false`, left alone when absent. */
function setClause(column: string, value: boolean | undefined, now: string): string | null {
  if (value === undefined) return null;
  return value ? `${column} = COALESCE(${column}, ${now})` : `${column} = NULL`;
}

/** Whether `column` would change under `value`. */
function changesClause(column: string, value: boolean | undefined): string | null {
  if (value === undefined) return null;
  return value ? `${column} IS NULL` : `${column} IS NOT NULL`;
}

/** At most this many rows per INSERT (9 parameters each, well under PostgreSQL's 65,535). */
const MAX_ROWS_PER_INSERT = 500;
const PARAMS_PER_ROW = 9;

/** An item waiting to be inserted: its row's parameters, and who waits for the outcome. */
interface PendingAdd {
  params: unknown[];
  resolve: (item: InboxItem | null) => void;
  reject: (error: unknown) => void;
}

/**
 * {@link InboxStore} in SQL: the same statements on PostgreSQL (`pg`) and embedded PGlite, in the
 * schema of the `SqlDatabase` it is given (migrated with `INBOX_MIGRATIONS`).
 *
 * Adds are grouped: one goes out at once, and those that arrive while an insert is on its way go
 * together in the next, as one multi-row statement (one commit, one round trip). Under the
 * worker's load that turns hundreds of single-row commits a second into a few dozen statements;
 * alone, an add costs what it did. Each row has its own id, so the `RETURNING` says which rows
 * went in: a row of an event already there (or twice in one statement) gets `null`. When a grouped
 * statement fails, its rows are tried one by one, so one bad row fails only its own add.
 */
export class SqlInboxStore extends InboxStore {
  private pending: PendingAdd[] = [];
  private inserting = false;

  constructor(private readonly db: SqlExecutor) {
    super();
  }

  add(userId: string, notification: InboxNotification, now = new Date()): Promise<InboxItem | null> {
    const params = [
      // The clock's UUIDv7 (monotonic in this process), so a page's order is the order of arrival.
      uuidv7(),
      userId,
      notification.eventId,
      notification.type,
      notification.subject,
      notification.time,
      notification.text,
      JSON.stringify(notification.data ?? null),
      now.toISOString(),
    ];
    return new Promise((resolve, reject) => {
      this.pending.push({ params, resolve, reject });
      if (!this.inserting) void this.insertPending();
    });
  }

  /** Inserts what is waiting, group after group, until nothing is. */
  private async insertPending(): Promise<void> {
    this.inserting = true;
    try {
      while (this.pending.length > 0) {
        const group = this.pending.splice(0, MAX_ROWS_PER_INSERT);
        try {
          await this.insert(group);
        } catch (error) {
          if (group.length === 1) group[0]?.reject(error);
          else for (const add of group) await this.insert([add]).catch((own: unknown) => add.reject(own));
        }
      }
    } finally {
      this.inserting = false;
    }
  }

  /** One INSERT of `group`'s rows; settles each add, or throws (settling none). */
  private async insert(group: PendingAdd[]): Promise<void> {
    const values = group.map((_, row) => {
      const first = row * PARAMS_PER_ROW;
      return `(${Array.from({ length: PARAMS_PER_ROW }, (_, i) => `$${first + i + 1}`).join(', ')})`;
    });
    const rows = await this.db.query<ItemRow>(
      `INSERT INTO inbox_items (id, user_id, event_id, event_type, event_subject, event_time, text, data, created_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (user_id, event_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      group.flatMap((add) => add.params),
    );
    const inserted = new Map(rows.map((row) => [row.id, row]));
    for (const add of group) {
      const row = inserted.get(add.params[0] as string);
      add.resolve(row ? toItem(row) : null);
    }
  }

  async list(
    userId: string,
    query: { cursor?: string; limit: number; filter?: InboxFilter },
  ): Promise<{ items: InboxItem[]; nextCursor: string | null }> {
    const params: unknown[] = [userId, query.limit + 1];
    const cursor = query.cursor ? `AND id < $${params.push(query.cursor)}` : '';
    const rows = await this.db.query<ItemRow>(
      `SELECT ${COLUMNS} FROM inbox_items
       WHERE user_id = $1 AND ${FILTERS[query.filter ?? 'default']} ${cursor}
       ORDER BY id DESC LIMIT $2`,
      params,
    );
    const items = rows.slice(0, query.limit).map(toItem);
    return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }

  get(userId: string, id: string): Promise<InboxItem | null> {
    return this.one('id', userId, id);
  }

  findByEvent(userId: string, eventId: string): Promise<InboxItem | null> {
    return this.one('event_id', userId, eventId);
  }

  private async one(column: 'id' | 'event_id', userId: string, value: string): Promise<InboxItem | null> {
    const rows = await this.db.query<ItemRow>(
      `SELECT ${COLUMNS} FROM inbox_items WHERE user_id = $1 AND ${column} = $2`,
      [userId, value],
    );
    return rows[0] ? toItem(rows[0]) : null;
  }

  async update(userId: string, id: string, change: InboxItemChange, now = new Date()): Promise<InboxUpdate> {
    // Reading marks seen too; unreading leaves seen as it was.
    const seen = change.seen ?? (change.read === true ? true : undefined);
    const sets = [
      setClause('read_at', change.read, '$3'),
      setClause('seen_at', seen, '$3'),
      setClause('archived_at', change.archived, '$3'),
    ].filter((clause): clause is string => clause !== null);
    const changes = [
      changesClause('read_at', change.read),
      changesClause('seen_at', seen),
      changesClause('archived_at', change.archived),
    ].filter((clause): clause is string => clause !== null);
    if (sets.length === 0) {
      const item = await this.get(userId, id);
      return item && { item, changed: false };
    }
    const rows = await this.db.query<ItemRow>(
      `UPDATE inbox_items SET ${sets.join(', ')}
       WHERE user_id = $1 AND id = $2 AND (${changes.join(' OR ')})
       RETURNING ${COLUMNS}`,
      // A clearing-only change names no time: a parameter PostgreSQL would not expect.
      sets.some((clause) => clause.includes('$3')) ? [userId, id, now.toISOString()] : [userId, id],
    );
    if (rows[0]) return { item: toItem(rows[0]), changed: true };
    const item = await this.get(userId, id);
    return item && { item, changed: false };
  }

  async markAllRead(userId: string, now = new Date()): Promise<number> {
    const rows = await this.db.query(
      `UPDATE inbox_items SET read_at = $2, seen_at = COALESCE(seen_at, $2)
       WHERE user_id = $1 AND read_at IS NULL RETURNING id`,
      [userId, now.toISOString()],
    );
    return rows.length;
  }

  async markAllSeen(userId: string, now = new Date()): Promise<number> {
    const rows = await this.db.query(
      `UPDATE inbox_items SET seen_at = $2 WHERE user_id = $1 AND seen_at IS NULL RETURNING id`,
      [userId, now.toISOString()],
    );
    return rows.length;
  }

  async counts(userId: string): Promise<InboxCounts> {
    const [row] = await this.db.query<{ unseen: number | string; unread: number | string }>(
      `SELECT count(*) FILTER (WHERE seen_at IS NULL) AS unseen, count(*) FILTER (WHERE read_at IS NULL) AS unread
       FROM inbox_items WHERE user_id = $1 AND archived_at IS NULL`,
      [userId],
    );
    return { unseen: Number(row?.unseen ?? 0), unread: Number(row?.unread ?? 0) };
  }

  async prune(before: Date, limit: number): Promise<number> {
    const rows = await this.db.query(
      `DELETE FROM inbox_items WHERE id IN (
         SELECT id FROM inbox_items WHERE created_at < $1 ORDER BY created_at LIMIT $2
       ) RETURNING id`,
      [before.toISOString(), limit],
    );
    return rows.length;
  }
}
