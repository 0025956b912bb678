import { toErrorResponse } from '@shopnest/platform-http';
import { TransitionRefused } from '../order';
import { OrderNotFound } from '../order.errors';
import { orderErrorResponse } from './orders-error.filter';

describe('orderErrorResponse', () => {
  it('maps a refused transition to 409 with the current status and the allowed ones', () => {
    expect(orderErrorResponse(new TransitionRefused('o-1', 'shipped', 'cancelled', ['out_for_delivery']))).toEqual({
      status: 409,
      body: { code: 'CONFLICT', message: expect.any(String), currentStatus: 'shipped', allowed: ['out_for_delivery'] },
    });
  });

  it('maps a missing order to 404 and leaves errors of no domain to the shared mapping', () => {
    expect(toErrorResponse(new OrderNotFound('o-1'), orderErrorResponse)).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
    expect(orderErrorResponse(new Error('boom'))).toBeNull();
  });
});
