import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  describeZodError,
  dropBodySchema,
  DropResponse,
  listDeadLettersQuerySchema,
  ListDeadLettersResponse,
  Principal,
  redriveBodySchema,
  RedriveResponse,
} from '@shopnest/contracts';
import { CurrentPrincipal, JwtAuthGuard, Roles } from '@shopnest/platform-auth';
import { z } from 'zod';
import { DeadLetterError, DeadLetters } from './dead-letters.service';

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new BadRequestException({ code: 'INVALID', message: describeZodError(result.error) });
  return result.data;
}

/** Runs a service call, answering its refusals with their code and HTTP status. */
async function answer<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof DeadLetterError)) throw error;
    const body = { code: error.code, message: error.message };
    if (error.code === 'NOT_FOUND') throw new NotFoundException(body);
    if (error.code === 'CONFLICT') throw new ConflictException(body);
    throw new BadRequestException(body);
  }
}

/** The dead-letter API (role `ops`): see `@shopnest/contracts` dead-letters-api and docs/operations.md. */
@Controller('admin/dead-letters')
@UseGuards(JwtAuthGuard)
@Roles('ops')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetters) {}

  /** The topics whose dead letters can be listed. */
  @Get()
  topics(): { topics: string[] } {
    return { topics: [...this.deadLetters.topics] };
  }

  @Get(':topic')
  list(@Param('topic') topic: string, @Query() query: unknown): Promise<ListDeadLettersResponse> {
    const options = parse(listDeadLettersQuerySchema, query);
    return answer(() => this.deadLetters.list(topic, options));
  }

  @Post(':topic/redrive')
  @HttpCode(200)
  redrive(
    @Param('topic') topic: string,
    @Body() body: unknown,
    @CurrentPrincipal() operator: Principal,
  ): Promise<RedriveResponse> {
    const selection = parse(redriveBodySchema, body);
    return answer(() => this.deadLetters.redrive(topic, selection, operator.userId));
  }

  @Post(':topic/:id/drop')
  @HttpCode(200)
  drop(
    @Param('topic') topic: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() operator: Principal,
  ): Promise<DropResponse> {
    const { reason } = parse(dropBodySchema, body);
    return answer(() => this.deadLetters.drop(topic, id, reason, operator.userId));
  }
}
