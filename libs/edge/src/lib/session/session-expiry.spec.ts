import { SessionExpiry } from './session-expiry';

describe('SessionExpiry', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('fires at exp, and not when re-scheduled later or cancelled first', () => {
    const expired: string[] = [];
    const sessions = new SessionExpiry((id) => expired.push(id));
    const exp = 1_000 + 10; // seconds
    sessions.schedule('a', exp);
    sessions.schedule('b', exp);
    sessions.schedule('c', exp);
    sessions.schedule('b', exp + 60);
    sessions.cancel('c');
    jest.advanceTimersByTime(10_000);
    expect(expired).toEqual(['a']);
    jest.advanceTimersByTime(60_000);
    expect(expired).toEqual(['a', 'b']);
    expect(sessions.size).toBe(0);
  });

  it('fires at once for a token already past exp, and never for one without exp', () => {
    const expired: string[] = [];
    const sessions = new SessionExpiry((id) => expired.push(id));
    sessions.schedule('past', 999);
    sessions.schedule('forever', undefined);
    expect(expired).toEqual(['past']);
    expect(sessions.size).toBe(0);
  });

  it('waits out expiries beyond setTimeout’s 24.8-day range instead of firing at once', () => {
    const expired: string[] = [];
    const sessions = new SessionExpiry((id) => expired.push(id));
    const days = (n: number) => n * 86_400_000;
    sessions.schedule('year', 1_000 + days(365) / 1_000);
    jest.advanceTimersByTime(days(30));
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(days(335));
    expect(expired).toEqual(['year']);
  });

  it('keeps one timer for every connection, re-armed for the earliest expiry', () => {
    const expired: string[] = [];
    const sessions = new SessionExpiry((id) => expired.push(id));
    for (let i = 0; i < 1_000; i++) sessions.schedule(`c${i}`, 1_000 + 60 + (i % 7));
    sessions.schedule('soon', 1_000 + 5);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(5_000);
    expect(expired).toEqual(['soon']);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(62_000);
    expect(expired).toHaveLength(1 + 1_000);
    expect(jest.getTimerCount()).toBe(0);
  });
});
