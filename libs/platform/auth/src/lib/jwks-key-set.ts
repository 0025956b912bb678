import { createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** One usable verification key of a JSON Web Key Set. */
interface SetKey {
  kid?: string;
  /** The JWK's `alg`, when it pins one. */
  alg?: string;
  key: KeyObject;
}

/** How long an unknown `kid` waits before the file is read again (key rotation without a restart). */
const RELOAD_INTERVAL_MS = 30_000;

/**
 * The public keys of a JSON Web Key Set file (`{ "keys": [ ... ] }`), for RS256/ES256 tokens
 * from an identity provider that rotates keys. A token's key is picked by its header `kid`;
 * a token without `kid` is accepted only when the set holds exactly one key.
 *
 * Only asymmetric signing keys are used (`kty` RSA or EC, `use` absent or `sig`): a symmetric
 * (`oct`) key in a set published for verification would let anyone holding the set sign tokens.
 * An unknown `kid` re-reads the file (at most every 30 s), so a rotated key mounted by the
 * platform is picked up without a restart.
 *
 * @example
 * const keys = JwksKeySet.fromFile('/run/secrets/jwks.json');
 * const key = keys.keyFor(rawToken); // KeyObject, or throws naming the reason
 */
export class JwksKeySet {
  private keys: SetKey[];
  private loadedAt: number;
  private mtimeMs: number;

  private constructor(
    private readonly path: string,
    private readonly now: () => number,
  ) {
    this.keys = parseKeySet(readFileSync(path, 'utf8'), path);
    this.loadedAt = now();
    this.mtimeMs = statSync(path).mtimeMs;
  }

  /** Reads and parses the file; throws naming the file and the problem. */
  static fromFile(path: string, now: () => number = Date.now): JwksKeySet {
    return new JwksKeySet(path, now);
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key that verifies `rawToken`, chosen by its header's `kid` (and `alg`, when the key pins one). */
  keyFor(rawToken: string): KeyObject {
    const header = tokenHeader(rawToken);
    const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;
    const alg = typeof header['alg'] === 'string' ? header['alg'] : undefined;
    let found = this.find(kid);
    if (!found && kid !== undefined && this.reloadIfStale()) found = this.find(kid);
    if (!found) {
      throw new Error(
        kid === undefined
          ? `token has no kid and the key set holds ${this.keys.length} keys`
          : `no key with kid "${kid}"`,
      );
    }
    if (found.alg !== undefined && found.alg !== alg)
      throw new Error(`key "${kid ?? ''}" is for ${found.alg}, not ${String(alg)}`);
    return found.key;
  }

  private find(kid: string | undefined): SetKey | undefined {
    if (kid === undefined) return this.keys.length === 1 ? this.keys[0] : undefined;
    return this.keys.find((key) => key.kid === kid);
  }

  private reloadIfStale(): boolean {
    if (this.now() - this.loadedAt < RELOAD_INTERVAL_MS) return false;
    this.loadedAt = this.now();
    try {
      const mtimeMs = statSync(this.path).mtimeMs;
      if (mtimeMs === this.mtimeMs) return false;
      this.keys = parseKeySet(readFileSync(this.path, 'utf8'), this.path);
      this.mtimeMs = mtimeMs;
      return true;
    } catch {
      // A half-written or vanished file during rotation: keep the keys we have.
      return false;
    }
  }
}

function parseKeySet(text: string, path: string): SetKey[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`JWKS file ${path} is not JSON: ${(error as Error).message}`);
  }
  const entries = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(entries)) throw new Error(`JWKS file ${path} has no "keys" array`);
  const keys: SetKey[] = [];
  entries.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null)
      throw new Error(`JWKS file ${path}: keys[${index}] is not an object`);
    const jwk = entry as JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown };
    if (jwk.use !== undefined && jwk.use !== 'sig') return;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') {
      throw new Error(
        `JWKS file ${path}: keys[${index}] has kty ${JSON.stringify(jwk.kty)}; only RSA and EC public keys verify tokens`,
      );
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk, format: 'jwk' });
    } catch (error) {
      throw new Error(`JWKS file ${path}: keys[${index}] is not a usable key: ${(error as Error).message}`);
    }
    keys.push({
      key,
      ...(typeof jwk.kid === 'string' && { kid: jwk.kid }),
      ...(typeof jwk.alg === 'string' && { alg: jwk.alg }),
    });
  });
  if (keys.length === 0) throw new Error(`JWKS file ${path} holds no signing key`);
  const kids = keys.map((key) => key.kid);
  if (keys.length > 1 && (kids.includes(undefined) || new Set(kids).size !== kids.length)) {
    throw new Error(`JWKS file ${path}: with several keys, each needs its own kid`);
  }
  return keys;
}

function tokenHeader(rawToken: string): Record<string, unknown> {
  const encoded = rawToken.split('.')[0] ?? '';
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (typeof header === 'object' && header !== null) return header as Record<string, unknown>;
  } catch {
    // fall through: reported below as a malformed token
  }
  throw new Error('jwt malformed');
}
