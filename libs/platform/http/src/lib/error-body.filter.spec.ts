import {
  BadRequestException,
  HttpException,
  HttpStatus,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { DatabaseUnavailable } from '@shopnest/platform-sql';
import { errorAnswer, toErrorResponse } from './error-body.filter';

class Refused extends Error {
  constructor(readonly currentStatus: string) {
    super('refused');
  }
}

describe('toErrorResponse', () => {
  it("maps the domain's errors through its mapper first, with their details", () => {
    const domain = (error: unknown) =>
      error instanceof Refused
        ? { status: 409, body: { code: 'CONFLICT', message: error.message, currentStatus: error.currentStatus } }
        : null;
    expect(toErrorResponse(new Refused('shipped'), domain)).toEqual({
      status: 409,
      body: { code: 'CONFLICT', message: 'refused', currentStatus: 'shipped' },
    });
    expect(toErrorResponse(new NotFoundException('x'), domain)).toEqual(errorAnswer(404, 'NOT_FOUND', 'x'));
  });

  it("normalises Nest's own bodies to { code, message }", () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x'))).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'Cannot GET /x' },
    });
    expect(toErrorResponse(new BadRequestException(['a is bad', 'b is bad']))).toEqual({
      status: 400,
      body: { code: 'INVALID', message: 'a is bad; b is bad' },
    });
    expect(toErrorResponse(new HttpException('slow down', HttpStatus.TOO_MANY_REQUESTS))).toEqual({
      status: 429,
      body: { code: 'RATE_LIMITED', message: 'slow down' },
    });
  });

  it('keeps a coded body and its details as they are', () => {
    const body = { code: 'CONFLICT', message: 'stale', currentVersion: 3 };
    expect(toErrorResponse(new HttpException(body, HttpStatus.PRECONDITION_FAILED))).toEqual({ status: 412, body });
  });

  it('leaves a body with a shape of its own (the health report) untouched', () => {
    const report = { status: 'error', info: {}, error: { kafka: { status: 'down' } }, details: {} };
    expect(toErrorResponse(new ServiceUnavailableException(report))).toEqual({ status: 503, body: report });
  });

  it('maps an unreachable database to 503 UNAVAILABLE, without the cause (it names the server)', () => {
    const answer = toErrorResponse(
      new DatabaseUnavailable('postgres://db:5432/shopnest', new Error('connect ECONNREFUSED 10.0.0.5:5432')),
    );
    expect(answer).toEqual({
      status: 503,
      body: { code: 'UNAVAILABLE', message: 'the database is unavailable; retry later' },
    });
  });

  it('has no mapping for an unexpected error, so it becomes a bare 500', () => {
    expect(toErrorResponse(new Error('boom'))).toBeNull();
    expect(toErrorResponse('a string')).toBeNull();
  });
});
