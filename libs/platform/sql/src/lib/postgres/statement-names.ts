import { createHash } from 'node:crypto';

/**
 * Which statements a pool prepares: PostgreSQL then parses and plans one of them once per
 * connection instead of on every call (node-postgres prepares a named statement on a connection
 * the first time it runs there). A parameterised statement is named on its second call, so one-off
 * statements are never kept; at most `max` texts are named per pool (each connection keeps what it
 * prepared until it closes), and at most `4 × max` are counted on the way, so statements built
 * with a varying text cost nothing beyond that.
 *
 * Guarantees: the same text always gets the same name, and a text once {@link refuse}d is never
 * named again. `max` 0 names nothing (for a pooler without prepared statements, such as PgBouncer
 * in transaction mode before 1.21).
 */
export class StatementNames {
  /** Text → its name, or `null` while it was seen once. */
  private readonly texts = new Map<string, string | null>();
  private readonly refused = new Set<string>();
  private named = 0;

  constructor(private readonly max: number) {}

  /** The name to run `text` under, or `undefined` to run it unnamed. */
  nameFor(text: string): string | undefined {
    if (this.max === 0 || this.refused.has(text)) return undefined;
    const name = this.texts.get(text);
    if (name) return name;
    if (name === null && this.named < this.max) {
      this.named++;
      // 128 bits of SHA-1 hex: far inside PostgreSQL's 63-byte names, and no two texts share one.
      const given = `s${createHash('sha1').update(text).digest('hex').slice(0, 32)}`;
      this.texts.set(text, given);
      return given;
    }
    if (name === undefined && this.texts.size < this.max * 4) this.texts.set(text, null);
    return undefined;
  }

  /**
   * Runs `text` unnamed from now on: a connection's prepared copy went stale (a migration changed
   * what it returns, SQLSTATE 0A000), and that connection would keep answering with the error.
   */
  refuse(text: string): void {
    this.refused.add(text);
  }
}
