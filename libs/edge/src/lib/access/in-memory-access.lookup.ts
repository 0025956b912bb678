/**
 * Access answers held in a Map: for unit tests and one-process mode, where it is fed directly.
 * Copies in and out, so a caller never mutates what another one reads.
 */
export class InMemoryAccessLookup<T extends object> {
  private readonly entries = new Map<string, T>();

  constructor(initial: Record<string, T> = {}) {
    for (const [id, access] of Object.entries(initial)) this.set(id, access);
  }

  set(id: string, access: T): void {
    this.entries.set(id, { ...access });
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  async find(id: string): Promise<T | null> {
    const access = this.entries.get(id);
    return access ? { ...access } : null;
  }
}
