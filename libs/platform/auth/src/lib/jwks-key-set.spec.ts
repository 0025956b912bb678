import { JwtService } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import { TEST_JWT_AUDIENCE, TEST_JWT_ISSUER } from '@shopnest/testing';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthModule } from './auth.module';
import { HandshakeAuthenticator } from './handshake-authenticator';
import { JwksKeySet } from './jwks-key-set';
import { jwtEnvSchema } from './jwt.config';

const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

const jwk = (key: KeyObject, extra: Record<string, string>) => ({ ...key.export({ format: 'jwk' }), ...extra });

function writeSet(name: string, keys: object[]): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ keys }));
  return path;
}

const jwksPath = writeSet('jwks.json', [
  jwk(rsa.publicKey, { kid: 'rsa-1', use: 'sig', alg: 'RS256' }),
  jwk(ec.publicKey, { kid: 'ec-1' }),
  // Encryption keys are not for verifying tokens and are skipped.
  jwk(stranger.publicKey, { kid: 'enc-1', use: 'enc' }),
]);

type Alg = 'RS256' | 'ES256' | 'HS256';
function sign(key: KeyObject | string, algorithm: Alg, keyid?: string, sub = 'user-j'): string {
  const secret =
    typeof key === 'string'
      ? key
      : key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString();
  return new JwtService().sign(
    { sub, roles: ['customer'] },
    {
      ...(algorithm === 'HS256' ? { secret } : { privateKey: secret }),
      algorithm,
      issuer: TEST_JWT_ISSUER,
      audience: TEST_JWT_AUDIENCE,
      expiresIn: 600,
      ...(keyid !== undefined && { keyid }),
    },
  );
}

describe('JWT_JWKS_FILE: RS256/ES256 keys picked by kid', () => {
  let authenticator: HandshakeAuthenticator;

  beforeAll(async () => {
    const config = jwtEnvSchema.parse({
      JWT_JWKS_FILE: jwksPath,
      JWT_ISSUER: TEST_JWT_ISSUER,
      JWT_AUDIENCE: TEST_JWT_AUDIENCE,
    });
    expect(config.keySet?.size).toBe(2);
    const module = await Test.createTestingModule({ imports: [AuthModule.forRoot(config)] }).compile();
    authenticator = module.get(HandshakeAuthenticator);
  });

  it.each([
    ['an RS256 token', () => sign(rsa.privateKey, 'RS256', 'rsa-1')],
    ['an ES256 token', () => sign(ec.privateKey, 'ES256', 'ec-1')],
  ])('accepts %s signed with the key its kid names', async (_, token) => {
    await expect(authenticator.authenticateToken(token())).resolves.toMatchObject({
      userId: 'user-j',
      roles: ['customer'],
    });
  });

  it.each([
    ['an unknown kid', () => sign(stranger.privateKey, 'RS256', 'other'), /no key with kid "other"/],
    [
      'a known kid with a signature of another key',
      () => sign(stranger.privateKey, 'RS256', 'rsa-1'),
      /invalid signature/,
    ],
    ['the kid of an encryption key', () => sign(stranger.privateKey, 'RS256', 'enc-1'), /no key with kid "enc-1"/],
    ['no kid while the set holds several keys', () => sign(rsa.privateKey, 'RS256'), /no kid/],
    ['an algorithm the key does not allow', () => sign(ec.privateKey, 'ES256', 'rsa-1'), /RS256/],
    // The classic confusion attack: the public key used as an HMAC secret.
    [
      'HS256 signed with the public key as secret',
      () => sign(rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString(), 'HS256', 'rsa-1'),
      /invalid algorithm|RS256/,
    ],
  ])('refuses %s with the reason', async (_, token, reason) => {
    const refusal = authenticator.authenticateToken(token());
    await expect(refusal).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(refusal).rejects.toThrow(reason);
  });

  it('accepts a token without kid when the set holds a single key', () => {
    const keySet = JwksKeySet.fromFile(writeSet('single.json', [jwk(rsa.publicKey, {})]));
    expect(keySet.keyFor(sign(rsa.privateKey, 'RS256'))).toBeInstanceOf(KeyObject);
  });

  it('picks up a rotated key from the file after an unknown kid, at most every 30 s', () => {
    let now = 0;
    const path = writeSet('rotating.json', [jwk(rsa.publicKey, { kid: 'old' })]);
    const keySet = JwksKeySet.fromFile(path, () => now);
    writeFileSync(
      path,
      JSON.stringify({ keys: [jwk(rsa.publicKey, { kid: 'old' }), jwk(ec.publicKey, { kid: 'new' })] }),
    );
    const token = sign(ec.privateKey, 'ES256', 'new');
    expect(() => keySet.keyFor(token)).toThrow(/no key with kid "new"/);
    now += 30_000;
    expect(keySet.keyFor(token)).toBeInstanceOf(KeyObject);
  });
});

describe('jwtEnvSchema key sources', () => {
  const problems = (env: Record<string, string>) => {
    const result = jwtEnvSchema.safeParse(env);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('refuses two key sources at once', () => {
    expect(problems({ JWT_SECRET: 'x'.repeat(40), JWT_JWKS_FILE: jwksPath })).toEqual([
      expect.stringMatching(/^JWT_SECRET: set exactly one/),
    ]);
  });

  it.each([
    ['a missing file', join(dir, 'nope.json'), /ENOENT/],
    [
      'a file that is not JSON',
      (() => {
        const p = join(dir, 'bad.json');
        writeFileSync(p, '{');
        return p;
      })(),
      /not JSON/,
    ],
    ['a symmetric key', writeSet('oct.json', [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }]), /only RSA and EC/],
    [
      'keys without distinct kids',
      writeSet('nokid.json', [jwk(rsa.publicKey, {}), jwk(ec.publicKey, {})]),
      /each needs its own kid/,
    ],
  ])('stops start-up on %s, naming JWT_JWKS_FILE', (_, path, reason) => {
    expect(problems({ JWT_JWKS_FILE: path })).toEqual([
      expect.stringMatching(new RegExp(`^JWT_JWKS_FILE: .*${reason.source}`)),
    ]);
  });

  it('refuses HMAC algorithms with a key set', () => {
    expect(problems({ JWT_JWKS_FILE: jwksPath, JWT_ALGORITHMS: 'HS256' })).toEqual([
      expect.stringMatching(/^JWT_ALGORITHMS/),
    ]);
  });
});
