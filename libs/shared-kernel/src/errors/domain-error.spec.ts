import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  RuleViolationError,
  UnauthenticatedError,
  ValidationError,
} from './domain-error';

describe('DomainError', () => {
  it.each([
    ['validation', () => new ValidationError('email must be a valid e-mail address')],
    ['unauthenticated', () => new UnauthenticatedError()],
    ['forbidden', () => new ForbiddenError()],
    ['not_found', () => new NotFoundError()],
    ['conflict', () => new ConflictError('already exists')],
    ['rule_violated', () => new RuleViolationError('cannot jump from new to fulfilled')],
    ['rate_limited', () => new RateLimitedError('too many attempts', 30)],
  ])('carries the stable code %s that the exception filter maps to a status', (code, make) => {
    const error = make();
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
  });

  it('is named after its class, so logs and stacks say what went wrong', () => {
    const error = new NotFoundError('request not found');
    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe('request not found');
    expect(error.stack).toContain('NotFoundError: request not found');
  });

  it('keeps a finer reason a client can branch on', () => {
    const error = new ConflictError('an account with this e-mail exists', 'email_taken');
    expect(error.code).toBe('conflict');
    expect(error.reason).toBe('email_taken');
  });

  it('uses its code as the reason when none is given', () => {
    expect(new ValidationError('bad').reason).toBe('validation');
    expect(new NotFoundError().reason).toBe('not_found');
    expect(new RateLimitedError('slow down', 5).reason).toBe('rate_limited');
  });

  it('has default messages for the errors that need no explanation', () => {
    expect(new UnauthenticatedError().message).toBe('Not authenticated');
    expect(new ForbiddenError().message).toBe('Not allowed');
    expect(new NotFoundError().message).toBe('Not found');
  });

  it('tells a rate-limited caller when to come back', () => {
    const error = new RateLimitedError('too many login attempts', 42, 'login_throttled');
    expect(error.retryAfterSeconds).toBe(42);
    expect(error.reason).toBe('login_throttled');
  });

  it('can be told apart by class when caught', () => {
    const caught: unknown = (() => {
      try {
        throw new ForbiddenError();
      } catch (error) {
        return error;
      }
    })();
    expect(caught).toBeInstanceOf(ForbiddenError);
    expect(caught).not.toBeInstanceOf(NotFoundError);
  });
});
