import { z } from 'zod';

/** Error codes shared by socket acks, `connect_error` data and REST error bodies. */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INVALID',
  'NOT_FOUND',
  'RATE_LIMITED',
  'CONFLICT',
  'INTERNAL',
  // A dependency of the server (its database, ...) is away; nothing was wrong with the request: retry later.
  'UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export const errorBodySchema = z.object({ code: z.enum(ERROR_CODES), message: z.string() });

/**
 * Turns a zod failure into one readable line that names each bad field,
 * e.g. `channel: must be order:{id}, ...; since: expected string`.
 */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
