import {
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  Optional,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { Principal, Role } from '@shopnest/contracts';
import type { Request } from 'express';
import { JwtVerifyConfig } from './jwt.config';
import { bearerHeaderToken, JWT_STRATEGY, JWT_VERIFY_CONFIG } from './jwt.strategy';
import { ROLES_KEY } from './roles.decorator';
import { VerifiedTokens } from './verified-tokens';

/** Why passport refused, as one line (e.g. `jwt expired`, `invalid signature`, `No auth token`). */
export function refusalReason(error: unknown, info: unknown): string {
  const cause = error ?? info;
  if (cause instanceof UnauthorizedException) {
    const body = cause.getResponse() as { message?: string };
    return body.message ?? cause.message;
  }
  if (cause instanceof Error) return cause.message;
  return 'no valid token';
}

/**
 * REST guard: a valid access token (401 `UNAUTHENTICATED` otherwise) and, when the handler is
 * marked with `@Roles(...)`, one of those roles (403 `FORBIDDEN`).
 *
 * A token sent in the `Authorization` header that passed passport-jwt recently is not verified
 * again: its verdict is reused until the token expires, for at most a minute ({@link VerifiedTokens},
 * `JWT_VERIFIED_CACHE_SIZE`). The roles are checked on every request.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  private readonly verified: VerifiedTokens;

  constructor(
    private readonly reflector: Reflector,
    // Optional for a feature module tested without AuthModule: it then verifies every request.
    @Optional() @Inject(JWT_VERIFY_CONFIG) config?: JwtVerifyConfig,
  ) {
    super();
    this.verified = new VerifiedTokens(config?.verifiedTokenCacheSize ?? 0);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { user?: Principal }>();
    const token = bearerHeaderToken(request);
    const known = token ? this.verified.get(token) : undefined;
    if (known) {
      request.user = known;
    } else {
      await super.canActivate(context);
      if (token && request.user) this.verified.remember(token, request.user);
    }
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const principal = request.user as Principal;
    if (principal.roles.some((role) => required.includes(role))) return true;
    throw new ForbiddenException({ code: 'FORBIDDEN', message: `requires one of the roles: ${required.join(', ')}` });
  }

  override handleRequest<T = Principal>(error: unknown, user: T | false, info: unknown): T {
    if (error || !user) {
      throw new UnauthorizedException({ code: 'UNAUTHENTICATED', message: refusalReason(error, info) });
    }
    return user;
  }
}
