import { Catch, HttpStatus } from '@nestjs/common';
import { ErrorBodyFilter, errorAnswer, ErrorResponse } from '@shopnest/platform-http';
import { OrderChangeRefused, TransitionRefused } from '../order';
import { OrderAccessDenied, OrderInputInvalid, OrderNotFound, OrderVersionConflict } from '../order.errors';

/** The orders' domain errors as REST answers: 404/403/409/400; refused changes carry `currentStatus`. */
export function orderErrorResponse(error: unknown): ErrorResponse | null {
  if (error instanceof TransitionRefused) {
    const details = { currentStatus: error.currentStatus, allowed: [...error.allowed] };
    return errorAnswer(HttpStatus.CONFLICT, 'CONFLICT', error.message, details);
  }
  if (error instanceof OrderChangeRefused) {
    return errorAnswer(HttpStatus.CONFLICT, 'CONFLICT', error.message, { currentStatus: error.currentStatus });
  }
  if (error instanceof OrderVersionConflict) {
    return errorAnswer(HttpStatus.CONFLICT, 'CONFLICT', error.message, { currentVersion: error.currentVersion });
  }
  if (error instanceof OrderNotFound) return errorAnswer(HttpStatus.NOT_FOUND, 'NOT_FOUND', error.message);
  if (error instanceof OrderAccessDenied) return errorAnswer(HttpStatus.FORBIDDEN, 'FORBIDDEN', error.message);
  if (error instanceof OrderInputInvalid) return errorAnswer(HttpStatus.BAD_REQUEST, 'INVALID', error.message);
  return null;
}

/** order-tracking's REST errors: {@link ErrorBodyFilter} with the orders' domain errors. */
@Catch()
export class OrdersErrorFilter extends ErrorBodyFilter {
  protected override readonly mapDomainError = orderErrorResponse;
}
