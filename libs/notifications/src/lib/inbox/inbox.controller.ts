import {
  Body,
  Catch,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  InboxCounts,
  InboxItem,
  InboxPage,
  ListInboxQuery,
  listInboxQuerySchema,
  MarkAllResponse,
  PatchInboxItemBody,
  patchInboxItemBodySchema,
  Principal,
} from '@shopnest/contracts';
import { CurrentPrincipal, JwtAuthGuard } from '@shopnest/platform-auth';
import { ErrorBodyFilter, errorAnswer, ErrorResponse, ZodValidationPipe } from '@shopnest/platform-http';
import { z } from 'zod';
import { InboxItemNotFound, InboxService } from './inbox.service';

const itemParamsSchema = z.object({ id: z.uuid({ error: 'must be an inbox item id (a UUID)' }) });

/** The inbox's errors as REST answers; an unreachable database is 503 UNAVAILABLE (ErrorBodyFilter). */
export function inboxErrorResponse(error: unknown): ErrorResponse | null {
  if (error instanceof InboxItemNotFound) return errorAnswer(HttpStatus.NOT_FOUND, 'NOT_FOUND', error.message);
  return null;
}

@Catch()
export class InboxErrorFilter extends ErrorBodyFilter {
  protected override readonly mapDomainError = inboxErrorResponse;
}

/**
 * The signed-in user's inbox (any role): their own items only, newest first. Every change is also
 * pushed live on `user:{id}` (`inbox.item`, `inbox.counts`). See docs/protocol.md, "Inbox".
 */
@Controller('inbox')
@UseGuards(JwtAuthGuard)
@UseFilters(InboxErrorFilter)
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  list(
    @CurrentPrincipal() user: Principal,
    @Query(new ZodValidationPipe(listInboxQuerySchema)) query: ListInboxQuery,
  ): Promise<InboxPage> {
    return this.inbox.list(user.userId, query);
  }

  @Get('counts')
  counts(@CurrentPrincipal() user: Principal): Promise<InboxCounts> {
    return this.inbox.counts(user.userId);
  }

  @Post('mark-all-read')
  @HttpCode(200)
  markAllRead(@CurrentPrincipal() user: Principal): Promise<MarkAllResponse> {
    return this.inbox.markAllRead(user.userId);
  }

  @Post('mark-all-seen')
  @HttpCode(200)
  markAllSeen(@CurrentPrincipal() user: Principal): Promise<MarkAllResponse> {
    return this.inbox.markAllSeen(user.userId);
  }

  @Patch(':id')
  update(
    @CurrentPrincipal() user: Principal,
    @Param(new ZodValidationPipe(itemParamsSchema)) params: { id: string },
    @Body(new ZodValidationPipe(patchInboxItemBodySchema)) body: PatchInboxItemBody,
  ): Promise<InboxItem> {
    return this.inbox.update(user.userId, params.id, body);
  }
}
