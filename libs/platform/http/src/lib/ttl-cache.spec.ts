import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  let now = 0;
  const cache = () => new TtlCache<string, string | null>(2, () => now);

  beforeEach(() => (now = 1_000));

  it('returns an entry, including a cached null, until it expires', () => {
    const c = cache();
    c.set('a', null, 100);
    expect(c.get('a')).toEqual({ value: null });
    now += 100;
    expect(c.get('a')).toBeUndefined();
  });

  it('evicts the oldest entry when full', () => {
    const c = cache();
    c.set('a', '1', 1_000);
    c.set('b', '2', 1_000);
    c.set('c', '3', 1_000);
    expect(c.size).toBe(2);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('c')).toEqual({ value: '3' });
  });
});
