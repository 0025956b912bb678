import { Catch, HttpStatus } from '@nestjs/common';
import { ErrorBodyFilter, errorAnswer, ErrorResponse } from '@shopnest/platform-http';
import { OrderOwnershipUnavailable } from '../order-ownership';
import {
  MessageChangeRefused,
  MessageNotFound,
  OrderNotOwned,
  SupportActionForbidden,
  TicketAccessDenied,
  TicketNotFound,
  TicketTransitionRefused,
} from '../support.errors';

/** The support desk's domain errors as REST answers. */
export function supportErrorResponse(error: unknown): ErrorResponse | null {
  if (error instanceof TicketTransitionRefused) {
    const details = { currentStatus: error.currentStatus, allowed: [...error.allowed] };
    return errorAnswer(HttpStatus.CONFLICT, 'CONFLICT', error.message, details);
  }
  if (
    error instanceof TicketAccessDenied ||
    error instanceof SupportActionForbidden ||
    error instanceof OrderNotOwned
  ) {
    return errorAnswer(HttpStatus.FORBIDDEN, 'FORBIDDEN', error.message);
  }
  if (error instanceof TicketNotFound || error instanceof MessageNotFound) {
    return errorAnswer(HttpStatus.NOT_FOUND, 'NOT_FOUND', error.message);
  }
  if (error instanceof MessageChangeRefused) return errorAnswer(HttpStatus.CONFLICT, 'CONFLICT', error.message);
  if (error instanceof OrderOwnershipUnavailable) {
    return errorAnswer(HttpStatus.SERVICE_UNAVAILABLE, 'UNAVAILABLE', 'orders cannot be checked now; retry later');
  }
  return null;
}

/** support-desk's REST errors: {@link ErrorBodyFilter} with the support desk's domain errors. */
@Catch()
export class SupportErrorFilter extends ErrorBodyFilter {
  protected override readonly mapDomainError = supportErrorResponse;
}
