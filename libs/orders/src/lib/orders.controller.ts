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
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { OrderAccess, orderStatusSchema, Principal } from '@shopnest/contracts';
import { CurrentPrincipal, JwtAuthGuard, Roles } from '@shopnest/platform-auth';
import { z } from 'zod';
import { ErrorBodyFilter } from './http/error-body.filter';
import { ZodValidationPipe } from './http/zod-validation.pipe';
import { Order } from './order';
import { OrderNotFound, OrderVersionConflict } from './order.errors';
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
    throw new BadRequestException({ code: 'INVALID', message: 'If-Match: must be the order version in quotes, e.g. "3"' });
  }
  return Number(match[1]);
}

/** The part of Express's response the controller uses. */
interface HeaderResponse {
  setHeader(name: string, value: string): unknown;
}

const etag = (order: Order) => `"${order.version}"`;

/** Orders over REST. The ETag of an order is its version, for `If-Match` on status changes. */
@Controller('orders')
@UseGuards(JwtAuthGuard)
@UseFilters(ErrorBodyFilter)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Roles('customer', 'service')
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createOrderBodySchema)) body: z.output<typeof createOrderBodySchema>,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<Order> {
    const order = await this.orders.createOrder(principal, body);
    response.setHeader('ETag', etag(order));
    response.setHeader('Location', `/orders/${order.id}`);
    return order;
  }

  /** Another customer's order answers 404, exactly like an unknown one. */
  @Get(':id')
  @Roles('customer', 'ops', 'agent', 'service')
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', OrderIdPipe) id: string,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<Order> {
    const order = await this.orders.getOrder(principal, id);
    response.setHeader('ETag', etag(order));
    return order;
  }

  /**
   * The expected version comes from `If-Match` or the body's `expectedVersion`; a stale one is a
   * 412 when it came from `If-Match` (HTTP's precondition) and a 409 when it came from the body.
   */
  @Patch(':id/status')
  @Roles('ops', 'service')
  async changeStatus(
    @CurrentPrincipal() principal: Principal,
    @Param('id', OrderIdPipe) id: string,
    @Body(new ZodValidationPipe(changeStatusBodySchema)) body: z.output<typeof changeStatusBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<Order> {
    const headerVersion = parseIfMatch(ifMatch);
    if (headerVersion !== undefined && body.expectedVersion !== undefined && headerVersion !== body.expectedVersion) {
      throw new BadRequestException({ code: 'INVALID', message: 'expectedVersion: disagrees with If-Match' });
    }
    try {
      const order = await this.orders.changeStatus(principal, id, body.status, headerVersion ?? body.expectedVersion);
      response.setHeader('ETag', etag(order));
      return order;
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
}

/** Service-to-service look-ups; the edge asks here before letting a socket follow an order. */
@Controller('internal/orders')
@UseGuards(JwtAuthGuard)
@UseFilters(ErrorBodyFilter)
export class InternalOrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** `orderAccessSchema` of the contracts, plus the order id; 404 when unknown. */
  @Get(':id/access')
  @Roles('service')
  access(@Param('id', OrderIdPipe) id: string): Promise<OrderAccess & { orderId: string }> {
    return this.orders.accessOf(id);
  }
}
