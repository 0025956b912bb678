import { RecentIds } from './recent-ids';

describe('RecentIds', () => {
  it('reports a key added again as a duplicate', () => {
    const ids = new RecentIds(3);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
  });

  it('forgets the oldest key beyond its capacity, so memory stays bounded', () => {
    const ids = new RecentIds(3);
    ['a', 'b', 'c', 'd'].forEach((key) => ids.add(key));
    expect(ids.size).toBe(3);
    expect(ids.has('a')).toBe(false);
    expect(ids.add('b')).toBe(false);
    expect(ids.add('a')).toBe(true);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(RangeError);
  });
});
