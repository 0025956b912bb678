import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { VERIFIED_TOKEN_MAX_AGE_MS, VerifiedTokens } from './verified-tokens';

const now = () => Math.floor(Date.now() / 1000);
/** A principal whose token expires at `expiresAt` (seconds), or never with `null`. */
const principal = (userId: string, expiresAt: number | null = now() + 3600) => ({
  userId,
  roles: ['customer' as const],
  ...(expiresAt !== null && { expiresAt }),
});

describe('VerifiedTokens', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers only the very token it was given, frozen', () => {
    const tokens = new VerifiedTokens(10);
    tokens.remember('a.b.c', principal('u1'));

    const kept = tokens.get('a.b.c');

    expect(kept).toMatchObject({ userId: 'u1' });
    expect(Object.isFrozen(kept)).toBe(true);
    expect(tokens.get('a.b.d')).toBeUndefined();
  });

  it('keeps at most `max` tokens, the least recently used going first', () => {
    const tokens = new VerifiedTokens(2);
    tokens.remember('t1', principal('u1'));
    tokens.remember('t2', principal('u2'));
    tokens.get('t1');
    tokens.remember('t3', principal('u3'));

    expect([tokens.get('t1')?.userId, tokens.get('t2'), tokens.get('t3')?.userId]).toEqual(['u1', undefined, 'u3']);
  });

  it('forgets a verdict at the token expiry, and after the maximum age at the latest', () => {
    jest.useFakeTimers({ now: Date.now() });
    const tokens = new VerifiedTokens(10);
    tokens.remember('short', principal('u1', now() + 10));
    tokens.remember('long', principal('u2', now() + 3600));
    tokens.remember('endless', principal('u3', null));

    jest.advanceTimersByTime(11_000);
    expect(tokens.get('short')).toBeUndefined();
    expect(tokens.get('long')?.userId).toBe('u2');

    jest.advanceTimersByTime(VERIFIED_TOKEN_MAX_AGE_MS);
    expect([tokens.get('long'), tokens.get('endless')]).toEqual([undefined, undefined]);
  });

  it('does not keep a token that has already expired, nor anything with max 0', () => {
    const tokens = new VerifiedTokens(10);
    tokens.remember('gone', principal('u1', now() - 1));
    const none = new VerifiedTokens(0);
    none.remember('t', principal('u2'));

    expect([tokens.get('gone'), none.get('t')]).toEqual([undefined, undefined]);
  });
});
