import { ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { Principal, Role } from '@shopnest/contracts';
import { JWT_STRATEGY } from './jwt.strategy';
import { ROLES_KEY } from './roles.decorator';

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
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
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
