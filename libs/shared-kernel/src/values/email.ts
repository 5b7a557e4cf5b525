import { ValueObject } from '../building-blocks/value-object';
import { ValidationError } from '../errors/domain-error';

// Deliberately permissive (RFC 5321 lengths, one @, a dot in the domain, no spaces): the only
// real proof of an address is a message that arrives there.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** An e-mail address, normalised (trimmed, lower case) so that comparison ignores letter case. */
export class Email extends ValueObject<{ value: string }> {
  private constructor(value: string) {
    super({ value });
  }

  static create(raw: string): Email {
    const value = raw.trim().toLowerCase();
    const [local = '', domain = ''] = value.split('@');
    if (value.length > 254 || local.length > 64 || domain.length === 0 || !EMAIL_PATTERN.test(value)) {
      throw new ValidationError('email must be a valid e-mail address', 'invalid_email');
    }
    return new Email(value);
  }

  get value(): string {
    return this.props.value;
  }

  override toString(): string {
    return this.props.value;
  }
}
