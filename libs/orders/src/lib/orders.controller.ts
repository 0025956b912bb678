import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpException,
  HttpStatus,
  Param,
  Patch,
  PipeTransform,
  Post,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPreconditionFailedResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  BulkAccessRequest,
  bulkAccessRequestSchema,
  bulkAccessResponseSchema,
  OrderAccess,
  orderAccessSchema,
  orderStatusSchema,
  Principal,
} from '@shopnest/contracts';
import { CurrentPrincipal, JwtAuthGuard, Roles } from '@shopnest/platform-auth';
import { z } from 'zod';
import { OrdersErrorFilter } from './http/orders-error.filter';
import {
  ERROR_SCHEMA,
  ORDER_LIST_SCHEMA,
  ORDER_SCHEMA,
  POSITION_ACCEPTED_SCHEMA,
  TIMELINE_SCHEMA,
} from './http/openapi';
import { openApiSchema, ZodValidationPipe } from '@shopnest/platform-http';
import { Order, Position } from './order';
import { OrderNotFound, OrderVersionConflict } from './order.errors';
import { TimelineEntry } from './order.repository.port';
import { OrdersService } from './orders.service';

export const createOrderBodySchema = z.strictObject({
  itemsSummary: z.string().trim().min(1).max(500),
  totalCents: z.number().int().nonnegative(),
  /** Honoured for `service` callers; a customer may only name themselves. */
  customerId: z.string().min(1).max(128).optional(),
});

export const changeStatusBodySchema = z.strictObject({
  status: orderStatusSchema,
  expectedVersion: z.number().int().positive().optional(),
});

export const assignCourierBodySchema = z.strictObject({
  courierId: z.string().trim().min(1).max(128),
  expectedVersion: z.number().int().positive().optional(),
});

export const positionBodySchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  heading: z.number().min(0).max(360).optional(),
  /** Metres per second; 150 m/s is faster than any delivery. */
  speed: z.number().min(0).max(150).optional(),
});

export const listOrdersQuerySchema = z.object({
  /** Present (`?mine`, `?mine=true`): the caller's own orders, the only listing there is. */
  mine: z.enum(['', 'true', '1'], { message: 'required: only your own orders can be listed (?mine)' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.uuid().optional(),
});

/** Order ids are UUIDs: anything else cannot exist, so it is a 404 like any unknown id. */
class OrderIdPipe implements PipeTransform<string, string> {
  transform(id: string): string {
    if (!z.uuid().safeParse(id).success) throw new OrderNotFound(id.slice(0, 64));
    return id;
  }
}

/** `If-Match: "3"` (or `W/"3"`, or `3`) → 3; `*` or no header → undefined. */
function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header.trim());
  if (!match) {
    throw new BadRequestException({
      code: 'INVALID',
      message: 'If-Match: must be the order version in quotes, e.g. "3"',
    });
  }
  return Number(match[1]);
}

/**
 * Runs a versioned change with the expected version from `If-Match` or the body's
 * `expectedVersion`; a stale one is a 412 when it came from `If-Match` (HTTP's precondition)
 * and a 409 when it came from the body.
 */
async function withExpectedVersion(
  ifMatch: string | undefined,
  bodyVersion: number | undefined,
  change: (expectedVersion: number | undefined) => Promise<Order>,
): Promise<Order> {
  const headerVersion = parseIfMatch(ifMatch);
  if (headerVersion !== undefined && bodyVersion !== undefined && headerVersion !== bodyVersion) {
    throw new BadRequestException({ code: 'INVALID', message: 'expectedVersion: disagrees with If-Match' });
  }
  try {
    return await change(headerVersion ?? bodyVersion);
  } catch (error) {
    if (error instanceof OrderVersionConflict && headerVersion !== undefined) {
      throw new HttpException(
        { code: 'CONFLICT', message: error.message, currentVersion: error.currentVersion },
        HttpStatus.PRECONDITION_FAILED,
      );
    }
    throw error;
  }
}

/** The part of the response the controller uses: Express's `Response` and Fastify's `FastifyReply` both have it. */
interface HeaderResponse {
  header(name: string, value: string): unknown;
}

const etag = (order: Order) => `"${order.version}"`;
const error = { schema: ERROR_SCHEMA };
const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'the version the change applies to, e.g. "3" (a stale one: 412)',
};
const ID = { name: 'id', format: 'uuid', description: 'order id; anything but a known UUID is a 404' };

/** Orders over REST. The ETag of an order is its version, for `If-Match` on changes. */
@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
@UseGuards(JwtAuthGuard)
@UseFilters(OrdersErrorFilter)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Roles('customer', 'service')
  @ApiOperation({
    summary: 'Place an order',
    description: 'Roles: customer (for themselves), service (names `customerId`). Emits `order.created`.',
  })
  @ApiBody({ schema: openApiSchema(createOrderBodySchema) })
  @ApiCreatedResponse({ schema: ORDER_SCHEMA, description: 'the order; `ETag` is its version, `Location` its URL' })
  @ApiForbiddenResponse(error)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createOrderBodySchema)) body: z.output<typeof createOrderBodySchema>,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<Order> {
    const order = await this.orders.createOrder(principal, body);
    response.header('ETag', etag(order));
    response.header('Location', `/orders/${order.id}`);
    return order;
  }

  @Get()
  @Roles('customer', 'courier')
  @ApiOperation({
    summary: "The caller's orders",
    description: "`?mine`: a customer's orders, or the ones a courier carries; newest first.",
  })
  @ApiQuery({
    name: 'mine',
    required: true,
    allowEmptyValue: true,
    schema: { type: 'string', enum: ['', 'true', '1'] },
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({
    name: 'before',
    required: false,
    schema: { type: 'string', format: 'uuid' },
    description: 'the `nextBefore` of the previous page',
  })
  @ApiOkResponse({ schema: ORDER_LIST_SCHEMA })
  async listMine(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listOrdersQuerySchema)) query: z.output<typeof listOrdersQuerySchema>,
  ): Promise<{ orders: Order[]; nextBefore: string | null }> {
    const orders = await this.orders.listMine(principal, { limit: query.limit, before: query.before });
    return { orders, nextBefore: orders.length === query.limit ? (orders[orders.length - 1]?.id ?? null) : null };
  }

  /** Another customer's order answers 404, exactly like an unknown one. */
  @Get(':id')
  @Roles('customer', 'courier', 'ops', 'agent', 'service')
  @ApiOperation({
    summary: 'An order',
    description: 'Its customer, its courier, ops, agents and services see it; anyone else gets 404.',
  })
  @ApiParam(ID)
  @ApiOkResponse({ schema: ORDER_SCHEMA, description: '`ETag` is its version' })
  @ApiNotFoundResponse(error)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', OrderIdPipe) id: string,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<Order> {
    const order = await this.orders.getOrder(principal, id);
    response.header('ETag', etag(order));
    return order;
  }

  @Get(':id/timeline')
  @Roles('customer', 'courier', 'ops', 'agent', 'service')
  @ApiOperation({
    summary: "The order's events",
    description: 'Every event of the order, oldest first, with when it was published; positions as coalesced.',
  })
  @ApiParam(ID)
  @ApiOkResponse({ schema: TIMELINE_SCHEMA })
  @ApiNotFoundResponse(error)
  async timeline(
    @CurrentPrincipal() principal: Principal,
    @Param('id', OrderIdPipe) id: string,
  ): Promise<{ orderId: string; events: TimelineEntry[] }> {
    return { orderId: id, events: await this.orders.timeline(principal, id) };
  }

  @Patch(':id/status')
  @Roles('ops', 'service')
  @ApiOperation({ summary: 'Change the status', description: 'Roles: ops, service. Emits `order.status_changed`.' })
  @ApiParam(ID)
  @ApiHeader(IF_MATCH)
  @ApiBody({ schema: openApiSchema(changeStatusBodySchema) })
  @ApiOkResponse({ schema: ORDER_SCHEMA })
  @ApiConflictResponse({
    ...error,
    description: 'a transition the state machine refuses (`currentStatus`, `allowed`), or a stale `expectedVersion`',
  })
  @ApiPreconditionFailedResponse({ ...error, description: 'a stale `If-Match`' })
  @ApiNotFoundResponse(error)
  async changeStatus(
    @CurrentPrincipal() principal: Principal,
    @Param('id', OrderIdPipe) id: string,
    @Body(new ZodValidationPipe(changeStatusBodySchema)) body: z.output<typeof changeStatusBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<Order> {
    const order = await withExpectedVersion(ifMatch, body.expectedVersion, (expected) =>
      this.orders.changeStatus(principal, id, body.status, expected),
    );
    response.header('ETag', etag(order));
    return order;
  }

  @Post(':id/courier')
  @HttpCode(HttpStatus.OK)
  @Roles('ops', 'service')
  @ApiOperation({
    summary: 'Assign a courier',
    description: 'Roles: ops, service. Until the order is final; emits `order.courier_assigned`.',
  })
  @ApiParam(ID)
  @ApiHeader(IF_MATCH)
  @ApiBody({ schema: openApiSchema(assignCourierBodySchema) })
  @ApiOkResponse({ schema: ORDER_SCHEMA })
  @ApiConflictResponse({
    ...error,
    description: 'the order is final or already has this courier, or a stale `expectedVersion`',
  })
  @ApiPreconditionFailedResponse({ ...error, description: 'a stale `If-Match`' })
  @ApiNotFoundResponse(error)
  async assignCourier(
    @CurrentPrincipal() principal: Principal,
    @Param('id', OrderIdPipe) id: string,
    @Body(new ZodValidationPipe(assignCourierBodySchema)) body: z.output<typeof assignCourierBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<Order> {
    const order = await withExpectedVersion(ifMatch, body.expectedVersion, (expected) =>
      this.orders.assignCourier(principal, id, body.courierId, expected),
    );
    response.header('ETag', etag(order));
    return order;
  }

  @Post(':id/location')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('courier')
  @ApiOperation({
    summary: "Report the courier's position",
    description:
      'The assigned courier only (anyone else: 404). Every report updates the order; `order.location_updated` ' +
      'events are coalesced to at most `LOCATION_EVENT_MAX_PER_SEC` per order, the latest position winning.',
  })
  @ApiParam(ID)
  @ApiBody({ schema: openApiSchema(positionBodySchema) })
  @ApiAcceptedResponse({ schema: POSITION_ACCEPTED_SCHEMA })
  @ApiConflictResponse({ ...error, description: 'the order is delivered or cancelled' })
  @ApiNotFoundResponse(error)
  async recordPosition(
    @CurrentPrincipal() principal: Principal,
    @Param('id', OrderIdPipe) id: string,
    @Body(new ZodValidationPipe(positionBodySchema)) body: z.output<typeof positionBodySchema>,
  ): Promise<{ orderId: string; position: Position; event: 'queued' | 'coalesced' }> {
    const { order, event } = await this.orders.recordPosition(principal, id, body);
    return { orderId: order.id, position: order.position as Position, event };
  }
}

/** Service-to-service look-ups; the edge asks here before letting a socket follow an order. */
@ApiTags('internal')
@ApiBearerAuth()
@Controller('internal/orders')
@UseGuards(JwtAuthGuard)
@UseFilters(OrdersErrorFilter)
export class InternalOrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** `orderAccessSchema` of the contracts, plus the order id; 404 when unknown. */
  @Get(':id/access')
  @Roles('service')
  @ApiOperation({
    summary: 'Who may follow an order',
    description: 'Role: service (the edge authorising `order:{id}`).',
  })
  @ApiParam(ID)
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['orderId', 'customerId', 'courierId'],
      properties: {
        orderId: { type: 'string' },
        customerId: { type: 'string' },
        courierId: { type: 'string', nullable: true },
      },
    },
  })
  @ApiNotFoundResponse(error)
  access(@Param('id', OrderIdPipe) id: string): Promise<OrderAccess & { orderId: string }> {
    return this.orders.accessOf(id);
  }

  /** `bulkAccessRequestSchema` → `bulkAccessResponseSchema` of the contracts: one read for many orders. */
  @Post('access')
  @HttpCode(HttpStatus.OK)
  @Roles('service')
  @ApiOperation({
    summary: 'Who may follow each of many orders',
    description:
      'Role: service (the edge coalescing the look-ups of many subscribes). 1 to 500 ids; every id is in ' +
      'the answer, `null` when there is no such order.',
  })
  @ApiBody({ schema: openApiSchema(bulkAccessRequestSchema) })
  @ApiOkResponse({ schema: openApiSchema(bulkAccessResponseSchema(orderAccessSchema)) })
  async accessMany(
    @Body(new ZodValidationPipe(bulkAccessRequestSchema)) body: BulkAccessRequest,
  ): Promise<{ access: Record<string, OrderAccess | null> }> {
    return { access: await this.orders.accessOfMany(body.ids) };
  }
}
