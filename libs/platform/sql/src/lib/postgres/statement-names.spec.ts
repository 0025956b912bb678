import { StatementNames } from './statement-names';

describe('StatementNames', () => {
  it('names a text from its second call on, always the same name, a valid PostgreSQL identifier', () => {
    const names = new StatementNames(10);
    expect(names.nameFor('SELECT $1')).toBeUndefined();
    const name = names.nameFor('SELECT $1');
    expect(name).toMatch(/^s[0-9a-f]{32}$/);
    expect(names.nameFor('SELECT $1')).toBe(name);
    names.nameFor('SELECT $2');
    expect(names.nameFor('SELECT $2')).not.toBe(name);
  });

  it('names at most max texts, and counts at most 4 × max on the way', () => {
    const names = new StatementNames(2);
    const texts = Array.from({ length: 12 }, (_, i) => `SELECT ${i}`);
    for (const text of texts) names.nameFor(text);
    // Only the first 8 were counted; of those, the first 2 to come again get names.
    expect(texts.map((text) => names.nameFor(text) !== undefined)).toEqual([true, true, ...Array(10).fill(false)]);
    expect(names.nameFor('SELECT 0')).toBeDefined();
  });

  it('never names a refused text again, nor anything with max 0', () => {
    const names = new StatementNames(10);
    names.nameFor('SELECT $1');
    expect(names.nameFor('SELECT $1')).toBeDefined();
    names.refuse('SELECT $1');
    expect(names.nameFor('SELECT $1')).toBeUndefined();

    const none = new StatementNames(0);
    expect([none.nameFor('SELECT 1'), none.nameFor('SELECT 1')]).toEqual([undefined, undefined]);
  });
});
