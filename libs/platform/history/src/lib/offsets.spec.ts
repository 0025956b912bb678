import { compareOffsets, isOffset, recoveredSince } from './offsets';

describe('offsets', () => {
  it('orders by time, then by counter, numerically rather than as text', () => {
    expect(compareOffsets('1700000000000-9', '1700000000000-10')).toBeLessThan(0);
    expect(compareOffsets('999-0', '1000-0')).toBeLessThan(0);
    expect(compareOffsets('5-1', '5-1')).toBe(0);
    expect(compareOffsets('6-0', '5-7')).toBeGreaterThan(0);
  });

  it('refuses what is not an offset, naming it', () => {
    expect(isOffset('12-3')).toBe(true);
    for (const bad of ['', '12', '12-', '-1-0', '1e3-0', '12-3 ', 'x-1']) expect(isOffset(bad)).toBe(false);
    expect(() => compareOffsets('1-0', 'nope')).toThrow('compareOffsets: not an offset: "nope"');
  });

  it('judges a gap recovered only when `since` is at or after the oldest kept offset', () => {
    expect(recoveredSince('5-0', '5-0')).toBe(true);
    expect(recoveredSince('9-0', '5-0')).toBe(true);
    expect(recoveredSince('4-9', '5-0')).toBe(false);
    expect(recoveredSince('5-0', undefined)).toBe(false);
    expect(recoveredSince('junk', '5-0')).toBe(false);
  });
});
