import { randomUUID } from 'node:crypto';
import { TokenRevocations } from './token-revocations.port';

/**
 * The behaviour every {@link TokenRevocations} store shares; run against each adapter (the Redis
 * one against real Redis). `create` gets a unique key prefix so runs never share revocations.
 */
export function describeTokenRevocationsContract(
  name: string,
  create: (keyPrefix: string) => Promise<TokenRevocations>,
): void {
  describe(`TokenRevocations contract: ${name}`, () => {
    let store: TokenRevocations;
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const inAMinute = () => new Date(Date.now() + 60_000);

    beforeAll(async () => {
      store = await create(`test:${randomUUID()}:`);
    });

    afterAll(async () => {
      await store?.close();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('refuses a revoked token id, and only that one', async () => {
      const userId = `u-${randomUUID()}`;
      const [revoked, other] = [randomUUID(), randomUUID()];
      await store.revokeToken(revoked, inAMinute());
      await expect(store.isRevoked({ userId, tokenId: revoked })).resolves.toBe(true);
      await expect(store.isRevoked({ userId, tokenId: other })).resolves.toBe(false);
      await expect(store.isRevoked({ userId })).resolves.toBe(false);
    });

    it("refuses a user's tokens issued before the cut-off, not those issued at or after it, nor other users'", async () => {
      const userId = `u-${randomUUID()}`;
      const cutoff = Date.now() - 5_000;
      await store.revokeUserTokens(userId, new Date(cutoff), inAMinute());
      await expect(store.isRevoked({ userId, issuedAt: seconds(cutoff) - 10 })).resolves.toBe(true);
      await expect(store.isRevoked({ userId, issuedAt: seconds(cutoff) + 1 })).resolves.toBe(false);
      // Without `iat` a token cannot prove it is newer: refused.
      await expect(store.isRevoked({ userId })).resolves.toBe(true);
      await expect(store.isRevoked({ userId: `u-${randomUUID()}`, issuedAt: seconds(cutoff) - 10 })).resolves.toBe(
        false,
      );
    });

    it('keeps the latest cut-off when an earlier one arrives later', async () => {
      const userId = `u-${randomUUID()}`;
      const late = Date.now();
      await store.revokeUserTokens(userId, new Date(late), inAMinute());
      await store.revokeUserTokens(userId, new Date(late - 30_000), inAMinute());
      await expect(store.isRevoked({ userId, issuedAt: seconds(late) - 10 })).resolves.toBe(true);
    });

    it('forgets a revocation once the tokens it refuses have expired', async () => {
      const userId = `u-${randomUUID()}`;
      const tokenId = randomUUID();
      const soon = new Date(Date.now() + 300);
      await store.revokeToken(tokenId, soon);
      await store.revokeUserTokens(userId, new Date(), soon);
      await expect(store.isRevoked({ userId, tokenId })).resolves.toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 600));
      await expect(store.isRevoked({ userId, tokenId })).resolves.toBe(false);
    });

    it('ignores a revocation whose tokens have already expired', async () => {
      const tokenId = randomUUID();
      await store.revokeToken(tokenId, new Date(Date.now() - 1_000));
      await expect(store.isRevoked({ userId: 'u', tokenId })).resolves.toBe(false);
    });
  });
}
