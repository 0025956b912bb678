import { Injectable, Logger, Optional } from '@nestjs/common';
import { Principal } from '@shopnest/contracts';
import passport from 'passport';
import { refusalReason } from './jwt-auth.guard';
import { JWT_STRATEGY } from './jwt.strategy';
import { TokenRevocations } from './revocation/token-revocations.port';

/** What the edge knows of a connection attempt (socket.io's `handshake`, or an SSE request). */
export interface HandshakeLike {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  /** socket.io's `auth` payload; `auth.token` is the preferred place for the token. */
  auth?: Record<string, unknown>;
}

export class HandshakeRefused extends Error {
  constructor(
    message: string,
    /** `UNAVAILABLE`: the token could not be checked now (its revocation store is away); retry later. */
    readonly code: 'UNAUTHENTICATED' | 'UNAVAILABLE' = 'UNAUTHENTICATED',
  ) {
    super(message);
  }
}

/**
 * Runs the same passport-jwt strategy as REST against a socket handshake, so a token that
 * REST refuses is refused here too, for the same reason. Where the service has a
 * {@link TokenRevocations} store (the edge), a revoked token is refused as well; when the store
 * cannot answer, the handshake is refused as `UNAVAILABLE` (fail closed, retryable).
 */
@Injectable()
export class HandshakeAuthenticator {
  private readonly logger = new Logger(HandshakeAuthenticator.name);

  constructor(@Optional() private readonly revocations?: TokenRevocations) {}

  /**
   * Verifies a bare token exactly as a handshake carrying it in `auth.token` would be (e.g. a
   * token sent on an open connection to refresh it).
   *
   * @throws HandshakeRefused with the reason.
   */
  authenticateToken(token: string): Promise<Principal> {
    return this.authenticate({ headers: {}, query: {}, auth: { token } });
  }

  /** {@link verify}, then {@link checkRevocation}. */
  async authenticate(handshake: HandshakeLike): Promise<Principal> {
    const principal = await this.verify(handshake);
    await this.checkRevocation(principal);
    return principal;
  }

  /**
   * Whether the principal's token was revoked, where the service has a revocation store (one
   * round trip to it); a caller that also waits on other stores can run this beside them.
   *
   * @throws HandshakeRefused `UNAUTHENTICATED` when revoked, `UNAVAILABLE` when the store cannot answer.
   */
  async checkRevocation(principal: Principal): Promise<void> {
    const { revocations } = this;
    if (!revocations) return;
    let revoked: boolean;
    try {
      revoked = await revocations.isRevoked(principal);
    } catch (error) {
      this.logger.warn(`revocation check failed: ${error instanceof Error ? error.message : String(error)}`);
      throw new HandshakeRefused('the token cannot be checked for revocation now; retry later', 'UNAVAILABLE');
    }
    if (revoked) throw new HandshakeRefused('token revoked');
  }

  /**
   * The token's signature, claims and expiry, without the revocation check: no I/O (the key is
   * in memory), tens of microseconds.
   *
   * @throws HandshakeRefused with the reason.
   */
  verify(handshake: HandshakeLike): Promise<Principal> {
    const token = handshake.auth?.['token'];
    const headers = { ...handshake.headers };
    if (typeof token === 'string' && token.length > 0) headers['authorization'] = `Bearer ${token}`;
    // passport-jwt reads `access_token` from the URL, so rebuild one from the parsed query.
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(handshake.query)) {
      if (typeof value === 'string') search.set(key, value);
    }
    const request = { headers, query: handshake.query, url: `/?${search.toString()}` };
    return new Promise((resolve, reject) => {
      passport.authenticate(
        JWT_STRATEGY,
        { session: false },
        (error: unknown, user: Principal | false, info: unknown) => {
          if (error || !user) reject(new HandshakeRefused(refusalReason(error, info)));
          else resolve(user);
        },
      )(request, {}, (error: unknown) => reject(new HandshakeRefused(refusalReason(error, undefined))));
    });
  }
}
