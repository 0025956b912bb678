import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ErrorCode } from '@shopnest/contracts';
import { DatabaseUnavailable } from '@shopnest/platform-sql';

/** The part of the response the filter uses: Express's `Response` and Fastify's `FastifyReply` both have it. */
interface JsonResponse {
  status(code: number): { send(body: unknown): unknown };
}

/** A REST error: status and the `{ code, message, ...details }` body. */
export interface ErrorResponse {
  status: number;
  body: { code: ErrorCode; message: string; [detail: string]: unknown } | Record<string, unknown>;
}

/** A domain's errors as REST answers: `null` for an error that is not the domain's. */
export type DomainErrorMapper = (error: unknown) => ErrorResponse | null;

/** A domain error answered with `status` and `{ code, message, ...details }`. */
export const errorAnswer = (
  status: number,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): ErrorResponse => ({ status, body: { code, message, ...details } });

function codeFor(status: number): ErrorCode {
  switch (status) {
    case HttpStatus.UNAUTHORIZED:
      return 'UNAUTHENTICATED';
    case HttpStatus.FORBIDDEN:
      return 'FORBIDDEN';
    case HttpStatus.NOT_FOUND:
      return 'NOT_FOUND';
    case HttpStatus.CONFLICT:
    case HttpStatus.PRECONDITION_FAILED:
      return 'CONFLICT';
    case HttpStatus.TOO_MANY_REQUESTS:
      return 'RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL' : 'INVALID';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fromHttpException(exception: HttpException): ErrorResponse {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'string') return { status, body: { code: codeFor(status), message: response } };
  if (isRecord(response) && typeof response['code'] === 'string') {
    const { code, message, ...details } = response;
    return { status, body: { code, message: typeof message === 'string' ? message : exception.message, ...details } };
  }
  if (isRecord(response) && 'statusCode' in response) {
    // Nest's own shape ({ statusCode, message, error }); message may be a list.
    const message = response['message'];
    return {
      status,
      body: {
        code: codeFor(status),
        message: Array.isArray(message) ? message.join('; ') : String(message ?? exception.message),
      },
    };
  }
  // A body with a deliberate shape of its own (e.g. the terminus health report) passes unchanged.
  return { status, body: isRecord(response) ? response : { code: codeFor(status), message: exception.message } };
}

/** Errors that say they are safe to show (http-errors' `expose`, e.g. body-parser's malformed JSON). */
function isExposedClientError(error: unknown): error is Error & { status: number } {
  return (
    error instanceof Error &&
    isRecord(error) &&
    typeof error['status'] === 'number' &&
    error['status'] >= 400 &&
    error['status'] < 500 &&
    error['expose'] === true
  );
}

/**
 * Maps any error to its REST status and body (the domain's errors through `domain` first);
 * `null` for an unexpected error (a 500).
 */
export function toErrorResponse(error: unknown, domain: DomainErrorMapper = () => null): ErrorResponse | null {
  const mapped = domain(error);
  if (mapped) return mapped;
  if (error instanceof DatabaseUnavailable) {
    return errorAnswer(HttpStatus.SERVICE_UNAVAILABLE, 'UNAVAILABLE', 'the database is unavailable; retry later');
  }
  if (error instanceof HttpException) return fromHttpException(error);
  if (isExposedClientError(error))
    return { status: error.status, body: { code: codeFor(error.status), message: error.message } };
  return null;
}

/**
 * One error body for every REST error: `{ code, message, ...details }` with the matching status.
 * A service's domain errors map through {@link mapDomainError} (a subclass overrides it, with
 * `@Catch()`), an unreachable database to 503 `UNAVAILABLE` (the cause is logged, not shown); an
 * unexpected error is logged with its stack and answered 500 `{ code: 'INTERNAL' }`, never with
 * the stack or the original message.
 *
 * @example
 * @Catch()
 * export class OrdersErrorFilter extends ErrorBodyFilter {
 *   protected override readonly mapDomainError = orderErrorResponse;
 * }
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorBodyFilter');

  /** The domain's own errors; none by default. */
  protected readonly mapDomainError: DomainErrorMapper = () => null;

  catch(exception: unknown, host: ArgumentsHost): void {
    // Sockets have their own error protocol (acks); leave them to their own filters.
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<JsonResponse>();
    const mapped = toErrorResponse(exception, this.mapDomainError);
    if (mapped) {
      if (mapped.status >= 500) this.logger.error(describe(exception));
      response.status(mapped.status).send(mapped.body);
      return;
    }
    this.logger.error(describe(exception), exception instanceof Error ? exception.stack : undefined);
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).send({ code: 'INTERNAL', message: 'internal error' });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`;
}
