import { ValidationError } from '@ajla/shared-kernel';

export const PASSWORD_MIN_CHARACTERS = 8;
/** Long enough for any passphrase, short enough that hashing cannot be used to burn CPU. */
export const PASSWORD_MAX_CHARACTERS = 128;

/**
 * A password as chosen by a person, checked against the password policy. It is never stored or
 * logged: only its hash is (see PasswordHasher).
 */
export class Password {
  private constructor(readonly value: string) {}

  static create(raw: string): Password {
    // Characters as a person counts them (code points), not UTF-16 units.
    const length = [...raw].length;
    if (length < PASSWORD_MIN_CHARACTERS) {
      throw new ValidationError(
        `password must be at least ${PASSWORD_MIN_CHARACTERS} characters long`,
        'password_too_short',
      );
    }
    if (length > PASSWORD_MAX_CHARACTERS) {
      throw new ValidationError(
        `password must be at most ${PASSWORD_MAX_CHARACTERS} characters long`,
        'password_too_long',
      );
    }
    return new Password(raw);
  }

  /** Keeps the secret out of logs and JSON by accident. */
  toJSON(): string {
    return '[password]';
  }

  toString(): string {
    return '[password]';
  }
}
