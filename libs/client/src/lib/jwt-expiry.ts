/**
 * When a JWT expires, in epoch milliseconds, read from its `exp` claim WITHOUT verifying it: the
 * client only needs to know when to ask for a new token; the server does the verifying.
 * `undefined` when the token is not a JWT or carries no numeric `exp`.
 *
 * Uses `atob` and `TextDecoder` (browsers and Node ≥ 16), not Node's `Buffer`.
 *
 * @example
 * jwtExpiresAt(token) // 1795420800000
 */
export function jwtExpiresAt(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(decodeBase64Url(parts[1]));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null || !('exp' in claims)) return undefined;
  const exp = claims.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

function decodeBase64Url(segment: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new Error('not base64url');
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
