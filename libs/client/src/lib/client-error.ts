import { ErrorCode } from '@shopnest/contracts';

/**
 * Codes of {@link ShopNestClientError}: the server's codes, plus what can go wrong on the client's
 * side of the wire.
 * - `TRANSPORT`: the server could not be reached, or the connection attempt timed out;
 * - `TOKEN`: the token provider threw or returned no token;
 * - `TIMEOUT`: the server did not acknowledge a message in time;
 * - `CLOSED`: `close()` was called while the operation was pending.
 */
export type ClientErrorCode = ErrorCode | 'TRANSPORT' | 'TOKEN' | 'TIMEOUT' | 'CLOSED';

/** Every error the SDK surfaces, with a code to branch on and, where relevant, the channel. */
export class ShopNestClientError extends Error {
  override readonly name = 'ShopNestClientError';

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly channel?: string,
    /** Milliseconds the server asked the client to wait (rate limits). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Reads the `{ code, message, retryAfterMs? }` body a server refusal carries, if it has one. */
export function errorBodyOf(value: unknown): { code: ErrorCode; message: string; retryAfterMs?: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { code, message, retryAfterMs } = value as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return {
    code: code as ErrorCode,
    message,
    ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && { retryAfterMs }),
  };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
