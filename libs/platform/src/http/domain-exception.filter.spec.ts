import {
  ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  NotFoundException,
} from '@nestjs/common';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  RuleViolationError,
  UnauthenticatedError,
  ValidationError,
} from '@ajla/shared-kernel';
import { DomainExceptionFilter, errorAnswer } from './domain-exception.filter';

function fastifyError(code: string, statusCode: number, message = 'fastify says no'): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe('errorAnswer', () => {
  it.each([
    [new ValidationError('email must be an email'), 400, 'validation'],
    [new UnauthenticatedError('Access token expired', 'token_expired'), 401, 'token_expired'],
    [new ForbiddenError(), 403, 'forbidden'],
    [new NotFoundError('Request not found'), 404, 'not_found'],
    [new ConflictError('E-mail taken', 'email_taken'), 409, 'email_taken'],
    [
      new RuleViolationError('Cannot go from new to fulfilled', 'transition_not_allowed'),
      409,
      'transition_not_allowed',
    ],
  ])('maps %p to its status, with the reason as code', (error, status, code) => {
    expect(errorAnswer(error)).toEqual({ status, body: { detail: error.message, code } });
  });

  it('adds Retry-After to a rate limit, in whole seconds', () => {
    expect(errorAnswer(new RateLimitedError('Too many attempts', 12.2))).toEqual({
      status: 429,
      body: { detail: 'Too many attempts', code: 'rate_limited' },
      headers: { 'retry-after': '13' },
    });
  });

  it("keeps a Nest HttpException's status and message", () => {
    expect(errorAnswer(new ForbiddenException('Staff only'))).toEqual({
      status: 403,
      body: { detail: 'Staff only', code: 'forbidden' },
    });
    expect(errorAnswer(new BadRequestException(['a is bad', 'b is bad']))).toEqual({
      status: 400,
      body: { detail: 'a is bad; b is bad', code: 'validation' },
    });
    expect(errorAnswer(new HttpException('I am a teapot', 418)).body.code).toBe('http_418');
  });

  it('answers an unknown route with a plain "Not found", but keeps a handler\'s own 404 detail', () => {
    expect(errorAnswer(new NotFoundException('Cannot GET /secret/path'), true)).toEqual({
      status: 404,
      body: { detail: 'Not found', code: 'not_found' },
    });
    expect(errorAnswer(new NotFoundException('Conversation not found')).body.detail).toBe(
      'Conversation not found',
    );
  });

  it.each([
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 400, 'malformed_json'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'malformed_json'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'unsupported_media_type'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'payload_too_large'],
  ])('maps Fastify %s, raw or wrapped by Nest, to %i', (code, fastifyStatus, status, bodyCode) => {
    const raw = fastifyError(code, fastifyStatus);
    const wrapped = new HttpException(raw.message, fastifyStatus, { cause: raw });
    for (const error of [raw, wrapped]) {
      const answer = errorAnswer(error);
      expect(answer.status).toBe(status);
      expect(answer.body.code).toBe(bodyCode);
      expect(answer.body.detail).not.toContain('fastify');
    }
  });

  it('answers anything else with a generic 500, never its message', () => {
    expect(errorAnswer(new Error('password=hunter2 at db:5432'))).toEqual({
      status: 500,
      body: { detail: 'Internal server error', code: 'internal' },
    });
    expect(errorAnswer('a string was thrown').status).toBe(500);
    expect(errorAnswer(fastifyError('FST_ERR_HANDLER_TIMEOUT', 503)).status).toBe(500);
  });
});

describe('DomainExceptionFilter', () => {
  function hostFor(reply: object, request: object = {}): ArgumentsHost {
    return {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ArgumentsHost;
  }

  it('writes status, headers and body to the reply', () => {
    const sent: unknown[] = [];
    const headers: Record<string, string> = {};
    const reply = {
      header: (name: string, value: string) => (headers[name] = value),
      status: (code: number) => ({ send: (body: unknown) => sent.push(code, body) }),
    };
    new DomainExceptionFilter().catch(new RateLimitedError('Slow down', 5), hostFor(reply));
    expect(sent).toEqual([429, { detail: 'Slow down', code: 'rate_limited' }]);
    expect(headers).toEqual({ 'retry-after': '5' });
  });
});
