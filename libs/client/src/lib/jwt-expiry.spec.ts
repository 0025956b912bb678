import { jwtExpiresAt } from './jwt-expiry';

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: object) => `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment(claims)}.c2lnbmF0dXJl`;

describe('jwtExpiresAt', () => {
  it('reads exp (seconds) as epoch milliseconds without verifying the signature', () => {
    expect(jwtExpiresAt(jwt({ sub: 'u1', exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
  });

  it('decodes base64url payloads whose JSON holds non-ASCII text and URL-unsafe base64 characters', () => {
    // "Zoë ~~~???" makes the base64 of the payload contain '-' / '_' and multi-byte UTF-8.
    const token = jwt({ sub: 'u1', name: 'Zoë ~~~???>>>', exp: 1_700_000_123 });
    expect(token.split('.')[1]).toMatch(/[-_]/);
    expect(jwtExpiresAt(token)).toBe(1_700_000_123_000);
  });

  it.each([
    ['not a JWT', 'opaque-token'],
    ['no exp', jwt({ sub: 'u1' })],
    ['exp not a number', jwt({ exp: '1800000000' })],
    ['payload not JSON', `a.${Buffer.from('nope').toString('base64url')}.c`],
    ['payload not base64url', 'a.***.c'],
    ['payload JSON null', `a.${segment(null as unknown as object)}.c`],
  ])('is undefined when %s', (_, token) => {
    expect(jwtExpiresAt(token)).toBeUndefined();
  });
});
