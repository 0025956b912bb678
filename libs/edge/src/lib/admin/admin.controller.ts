import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  describeZodError,
  disconnectUserBodySchema,
  DisconnectUserResponse,
  Principal,
  revocationBodySchema,
  UserConnectionsResponse,
} from '@shopnest/contracts';
import { CurrentPrincipal, JwtAuthGuard, Roles } from '@shopnest/platform-auth';
import { z } from 'zod';
import { UserSessions } from './user-sessions';

const userIdSchema = z.string().min(1).max(128);

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new BadRequestException({ code: 'INVALID', message: describeZodError(result.error) });
  return result.data;
}

/** The operator API (role `ops`): see `@shopnest/contracts` admin-api and docs/protocol.md. */
@Controller('admin')
@UseGuards(JwtAuthGuard)
@Roles('ops')
export class AdminController {
  constructor(private readonly sessions: UserSessions) {}

  @Get('users/:userId/connections')
  async connections(@Param('userId') userId: string): Promise<UserConnectionsResponse> {
    const id = parse(userIdSchema, userId);
    return { userId: id, connections: await this.sessions.list(id) };
  }

  @Post('users/:userId/disconnect')
  @HttpCode(200)
  async disconnect(
    @Param('userId') userId: string,
    @Body() body: unknown,
    @CurrentPrincipal() operator: Principal,
  ): Promise<DisconnectUserResponse> {
    const id = parse(userIdSchema, userId);
    const { revokeTokens } = parse(disconnectUserBodySchema, body);
    return { userId: id, ...(await this.sessions.disconnect(id, revokeTokens, operator.userId)) };
  }

  @Post('revocations')
  @HttpCode(204)
  async revoke(@Body() body: unknown): Promise<void> {
    const revocation = parse(revocationBodySchema, body);
    if ('tokenId' in revocation) await this.sessions.revokeToken(revocation.tokenId, revocation.expiresAt);
    else await this.sessions.revokeUser(revocation.userId, (revocation.issuedBefore ?? Date.now() / 1000) * 1000);
  }
}
