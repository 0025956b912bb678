import { Inject, Injectable, Logger } from '@nestjs/common';
import { SESSION_SERVER_EVENTS, SessionTerminated, UserConnection, userChannel } from '@shopnest/contracts';
import { TOKEN_REVOCATION_CONFIG, TokenRevocationConfig, TokenRevocations } from '@shopnest/platform-auth';
import { EdgeGateway } from '../edge.gateway';

/**
 * A user's sessions on every edge, for operators. Listing and ending go through the socket.io
 * server's room operations (`fetchSockets`, `disconnectSockets`), which the Redis adapter carries
 * to every edge, so any edge answers for all of them. SSE streams are per edge and not included.
 */
@Injectable()
export class UserSessions {
  private readonly logger = new Logger(UserSessions.name);

  constructor(
    private readonly gateway: EdgeGateway,
    private readonly revocations: TokenRevocations,
    @Inject(TOKEN_REVOCATION_CONFIG) private readonly revocationConfig: TokenRevocationConfig,
  ) {}

  async list(userId: string): Promise<UserConnection[]> {
    const sockets = await this.gateway.server.in(userChannel(userId)).fetchSockets();
    return sockets
      .map((socket) => ({
        socketId: socket.id,
        edge: socket.data.session?.edge ?? 'unknown',
        transport: socket.data.session?.transport ?? 'websocket',
        connectedAt: new Date(socket.data.session?.connectedAt ?? 0).toISOString(),
        channels: [...socket.rooms].filter((room) => room !== socket.id).sort(),
      }))
      .sort((a, b) => a.connectedAt.localeCompare(b.connectedAt));
  }

  /**
   * Revokes first (when asked), so a client reconnecting at once is already refused, then ends
   * every connection with `session.terminated` (`UNAUTHENTICATED`).
   */
  async disconnect(
    userId: string,
    revokeTokens: boolean,
    operator: string,
  ): Promise<{ disconnected: number; revokedIssuedBefore?: number }> {
    let revokedIssuedBefore: number | undefined;
    if (revokeTokens) {
      const now = Date.now();
      await this.revokeUser(userId, now);
      revokedIssuedBefore = Math.floor(now / 1000);
    }
    const room = this.gateway.server.in(userChannel(userId));
    const disconnected = (await room.fetchSockets()).length;
    const body: SessionTerminated = {
      code: 'UNAUTHENTICATED',
      message: revokeTokens ? 'an operator ended this session and revoked its token' : 'an operator ended this session',
    };
    room.emit(SESSION_SERVER_EVENTS.terminated, body);
    room.disconnectSockets(true);
    this.logger.warn({ msg: 'user disconnected by an operator', userId, operator, disconnected, revokeTokens });
    return { disconnected, ...(revokedIssuedBefore !== undefined && { revokedIssuedBefore }) };
  }

  /** Every token of the user issued before `beforeMs` is refused, for as long as such a token can live. */
  async revokeUser(userId: string, beforeMs: number): Promise<void> {
    await this.revocations.revokeUserTokens(
      userId,
      new Date(beforeMs),
      new Date(Date.now() + this.revocationConfig.userCutoffTtlS * 1000),
    );
  }

  revokeToken(tokenId: string, expiresAtS: number): Promise<void> {
    return this.revocations.revokeToken(tokenId, new Date(expiresAtS * 1000));
  }
}
