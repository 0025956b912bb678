import { INestApplication } from '@nestjs/common';
import { allowCorsOrigins, corsEnvSchema } from './cors';

const app = () => ({ enableCors: jest.fn() });

describe('CORS for REST services', () => {
  it('allows exactly the configured origins, `*` only when set so, and sends no CORS headers when unset', () => {
    expect(corsEnvSchema.parse({})).toBeNull();
    expect(corsEnvSchema.parse({ CORS_ORIGINS: 'http://127.0.0.1:3004, https://ops.example' })).toEqual([
      'http://127.0.0.1:3004',
      'https://ops.example',
    ]);

    const listed = app();
    allowCorsOrigins(['http://127.0.0.1:3004'])(listed as unknown as INestApplication);
    expect(listed.enableCors).toHaveBeenCalledWith({
      origin: ['http://127.0.0.1:3004'],
      exposedHeaders: ['ETag', 'Location'],
    });
    const any = app();
    allowCorsOrigins('*')(any as unknown as INestApplication);
    expect(any.enableCors).toHaveBeenCalledWith(expect.objectContaining({ origin: '*' }));
    const none = app();
    allowCorsOrigins(null)(none as unknown as INestApplication);
    expect(none.enableCors).not.toHaveBeenCalled();
  });

  it('refuses an origin that is not a URL, naming the key', () => {
    const result = corsEnvSchema.safeParse({ CORS_ORIGINS: 'console.example' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['CORS_ORIGINS', 0],
      message: 'each origin must be a URL such as https://shop.example',
    });
  });
});
