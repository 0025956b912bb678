import { Injectable } from '@nestjs/common';
import { Principal } from '@shopnest/contracts';
import passport from 'passport';
import { refusalReason } from './jwt-auth.guard';
import { JWT_STRATEGY } from './jwt.strategy';

/** What the edge knows of a connection attempt (socket.io's `handshake`, or an SSE request). */
export interface HandshakeLike {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  /** socket.io's `auth` payload; `auth.token` is the preferred place for the token. */
  auth?: Record<string, unknown>;
}

export class HandshakeRefused extends Error {
  readonly code = 'UNAUTHENTICATED';
}

/**
 * Runs the same passport-jwt strategy as REST against a socket handshake, so a token that
 * REST refuses is refused here too, for the same reason.
 */
@Injectable()
export class HandshakeAuthenticator {
  /**
   * Verifies a bare token exactly as a handshake carrying it in `auth.token` would be (e.g. a
   * token sent on an open connection to refresh it).
   *
   * @throws HandshakeRefused with the reason.
   */
  authenticateToken(token: string): Promise<Principal> {
    return this.authenticate({ headers: {}, query: {}, auth: { token } });
  }

  authenticate(handshake: HandshakeLike): Promise<Principal> {
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
      passport.authenticate(JWT_STRATEGY, { session: false }, (error: unknown, user: Principal | false, info: unknown) => {
        if (error || !user) reject(new HandshakeRefused(refusalReason(error, info)));
        else resolve(user);
      })(request, {}, (error: unknown) => reject(new HandshakeRefused(refusalReason(error, undefined))));
    });
  }
}
