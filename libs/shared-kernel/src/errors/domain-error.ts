/**
 * Stable error categories. The one global exception filter maps each to an HTTP status, so the
 * domain and application layers say *what* went wrong, never *which status* to answer.
 */
export type DomainErrorCode =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rule_violated'
  | 'rate_limited';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  private readonly givenReason: string | undefined;

  protected constructor(message: string, reason?: string) {
    super(message);
    this.name = new.target.name;
    this.givenReason = reason;
  }

  /** A finer, stable reason a client may branch on (e.g. `email_taken`); defaults to the code. */
  // A getter because `code` is a subclass field, not yet set while this constructor runs.
  get reason(): string {
    return this.givenReason ?? this.code;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'validation' as const;
  constructor(message: string, reason?: string) {
    super(message, reason);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated' as const;
  constructor(message = 'Not authenticated', reason?: string) {
    super(message, reason);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden' as const;
  constructor(message = 'Not allowed', reason?: string) {
    super(message, reason);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found' as const;
  constructor(message = 'Not found', reason?: string) {
    super(message, reason);
  }
}

export class ConflictError extends DomainError {
  readonly code = 'conflict' as const;
  constructor(message: string, reason?: string) {
    super(message, reason);
  }
}

/** A named business rule was broken (see `checkRule`). Answered as a conflict with current state. */
export class RuleViolationError extends DomainError {
  readonly code = 'rule_violated' as const;
  constructor(message: string, reason?: string) {
    super(message, reason);
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited' as const;
  constructor(
    message: string,
    /** Whole seconds until the caller may try again (sent as `Retry-After`). */
    readonly retryAfterSeconds: number,
    reason?: string,
  ) {
    super(message, reason);
  }
}
