import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ERROR_CODES, Principal, TicketMessage, ticketStatusSchema } from '@shopnest/contracts';
import { CurrentPrincipal, JwtAuthGuard, Roles } from '@shopnest/platform-auth';
import { openApiSchema, ZodValidationPipe } from '@shopnest/platform-http';
import { z } from 'zod';
import { SupportService } from '../support.service';
import { Ticket, TicketDetail, TicketSummary } from '../ticket';
import { SupportErrorFilter } from './support-error.filter';

/** Message text: 1–4,000 characters after trimming. */
const messageText = z.string().trim().min(1).max(4000);
const clientMessageId = z.string().trim().min(1).max(128);
const pageLimit = z.coerce.number().int().min(1).max(100).default(50);
const uuid = z.uuid();

export const openTicketBodySchema = z.strictObject({
  subject: z.string().trim().min(1).max(200).optional(),
  orderId: z.string().min(1).max(64).optional(),
  message: z.strictObject({ clientMessageId, text: messageText }),
});
export const postMessageBodySchema = z.strictObject({
  clientMessageId,
  text: messageText,
  visibility: z.enum(['public', 'internal']).default('public'),
});
export const editMessageBodySchema = z.strictObject({ text: messageText });
export const assignBodySchema = z.strictObject({ agentId: z.string().min(1).max(128).optional() });
export const changeTicketBodySchema = z.strictObject({ status: ticketStatusSchema });
export const readBodySchema = z.strictObject({ upToMessageId: uuid });
export const listTicketsQuerySchema = z.strictObject({
  /** `?mine` is what a customer asks; agents choose a scope (default: assigned to them). */
  mine: z.string().optional(),
  scope: z.enum(['mine', 'unassigned', 'all']).optional(),
  before: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const historyQuerySchema = z
  .strictObject({ before: uuid.optional(), after: uuid.optional(), limit: pageLimit })
  .refine((query) => !(query.before && query.after), { message: 'give before or after, not both', path: ['after'] });

const error = { schema: { type: 'object', properties: { code: { type: 'string', enum: [...ERROR_CODES] } } } };

interface StatusResponse {
  status(code: number): unknown;
}

/**
 * Tickets and their chat over REST: durable writes (messages, reads, assignment, status) go
 * here; typing and presence go over the socket. Every change is stored with its events and
 * published to `shopnest.support.v1` through the outbox. A customer sees their own tickets and
 * only public messages; agents see every ticket and internal notes.
 */
@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
@UseGuards(JwtAuthGuard)
@UseFilters(SupportErrorFilter)
export class TicketsController {
  constructor(private readonly support: SupportService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Roles('customer')
  @ApiOperation({
    summary: 'Open a ticket with its first message',
    description: 'Role: customer. `orderId` must be one of their orders (else 403).',
  })
  @ApiBody({ schema: openApiSchema(openTicketBodySchema) })
  @ApiForbiddenResponse(error)
  open(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(openTicketBodySchema)) body: z.output<typeof openTicketBodySchema>,
  ): Promise<{ ticket: Ticket; message: TicketMessage }> {
    return this.support.openTicket(principal, body);
  }

  @Get()
  @Roles('customer', 'agent')
  @ApiOperation({
    summary: "The caller's tickets, newest first, with unread counts",
    description: 'A customer: their tickets. An agent: `scope=mine` (assigned to them, default), `unassigned`, `all`.',
  })
  @ApiQuery({ name: 'scope', required: false, enum: ['mine', 'unassigned', 'all'] })
  @ApiQuery({ name: 'before', required: false, description: 'the `nextBefore` of the previous page' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listTicketsQuerySchema)) query: z.output<typeof listTicketsQuerySchema>,
  ): Promise<{ tickets: TicketSummary[]; nextBefore: string | null }> {
    const tickets = await this.support.listTickets(principal, query);
    return { tickets, nextBefore: tickets.length === query.limit ? (tickets.at(-1)?.id ?? null) : null };
  }

  @Get(':id')
  @Roles('customer', 'agent')
  @ApiOperation({
    summary: 'One ticket, with the caller’s unread count and how far the other side has read (`otherSideReadSeq`)',
  })
  @ApiForbiddenResponse(error)
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<TicketDetail> {
    return this.support.getTicket(principal, id);
  }

  @Patch(':id')
  @Roles('agent')
  @ApiOperation({ summary: 'Change the status (agents): open → pending → resolved, resolved → open' })
  @ApiBody({ schema: openApiSchema(changeTicketBodySchema) })
  changeStatus(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(changeTicketBodySchema)) body: z.output<typeof changeTicketBodySchema>,
  ): Promise<Ticket> {
    return this.support.changeStatus(principal, id, body.status);
  }

  @Post(':id/assign')
  @HttpCode(HttpStatus.OK)
  @Roles('agent')
  @ApiOperation({ summary: 'Assign the ticket to an agent (default: the caller)' })
  @ApiBody({ schema: openApiSchema(assignBodySchema) })
  assign(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(assignBodySchema)) body: z.output<typeof assignBodySchema>,
  ): Promise<Ticket> {
    return this.support.assign(principal, id, body.agentId);
  }

  @Post(':id/messages')
  @Roles('customer', 'agent')
  @ApiOperation({
    summary: 'Send a message',
    description:
      '201 with the new message; 200 with the same message when `clientMessageId` was already used by the caller ' +
      'on this ticket (a retried send). `visibility: internal` (agents only) is never shown to the customer.',
  })
  @ApiBody({ schema: openApiSchema(postMessageBodySchema) })
  async post(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(postMessageBodySchema)) body: z.output<typeof postMessageBodySchema>,
    @Res({ passthrough: true }) response: StatusResponse,
  ): Promise<TicketMessage> {
    const { message, created } = await this.support.postMessage(principal, id, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return message;
  }

  @Get(':id/messages')
  @Roles('customer', 'agent')
  @ApiOperation({
    summary: 'History by cursor',
    description: '`before=<messageId>`: older messages, newest first; `after=<messageId>`: newer ones, oldest first.',
  })
  async history(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(historyQuerySchema)) query: z.output<typeof historyQuerySchema>,
  ): Promise<{ messages: TicketMessage[] }> {
    return { messages: await this.support.messages(principal, id, query) };
  }

  @Patch(':id/messages/:messageId')
  @Roles('customer', 'agent')
  @ApiOperation({ summary: 'Edit your message within 15 minutes (`message.updated`)' })
  @ApiNotFoundResponse(error)
  edit(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('messageId') messageId: string,
    @Body(new ZodValidationPipe(editMessageBodySchema)) body: z.output<typeof editMessageBodySchema>,
  ): Promise<TicketMessage> {
    return this.support.editMessage(principal, id, messageId, body.text);
  }

  @Delete(':id/messages/:messageId')
  @Roles('customer', 'agent')
  @ApiOperation({ summary: 'Delete your message; history keeps a tombstone (`message.deleted`)' })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('messageId') messageId: string,
  ): Promise<TicketMessage> {
    return this.support.deleteMessage(principal, id, messageId);
  }

  @Post(':id/read')
  @HttpCode(HttpStatus.OK)
  @Roles('customer', 'agent')
  @ApiOperation({ summary: 'Move your read pointer forward to a public message (`ticket.read`)' })
  @ApiOkResponse({ description: '`{ unread }`: your unread count on this ticket afterwards' })
  read(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(readBodySchema)) body: z.output<typeof readBodySchema>,
  ): Promise<{ unread: number }> {
    return this.support.markRead(principal, id, body.upToMessageId);
  }
}

/** Service-to-service look-ups: the edge asks here before letting a customer join `ticket:{id}`. */
@ApiTags('internal')
@ApiBearerAuth()
@Controller('internal/tickets')
@UseGuards(JwtAuthGuard)
@UseFilters(SupportErrorFilter)
export class InternalTicketsController {
  constructor(private readonly support: SupportService) {}

  /** `ticketAccessSchema` of the contracts, plus the ticket id; 404 when unknown. */
  @Get(':id/access')
  @Roles('service')
  @ApiOperation({ summary: 'Whose ticket it is', description: 'Role: service (the edge authorising `ticket:{id}`).' })
  @ApiNotFoundResponse(error)
  access(@Param('id') id: string): Promise<{ ticketId: string; customerId: string }> {
    return this.support.accessOf(id);
  }
}
