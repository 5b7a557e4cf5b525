import { ValueObject } from '../building-blocks/value-object';
import { ValidationError } from '../errors/domain-error';

// Deliberately permissive (one @, a dot in the domain, no spaces, no control characters, no broken
// UTF-16): the only real proof of an address is a message that arrives there.
const EMAIL_PATTERN = /^[^\s@\p{Cc}\p{Cs}]+@[^\s@\p{Cc}\p{Cs}]+\.[^\s@\p{Cc}\p{Cs}]+$/u;

// RFC 5321 limits, in octets: an internationalised address (RFC 6531) is sent as UTF-8.
const MAX_ADDRESS_OCTETS = 254;
const MAX_LOCAL_PART_OCTETS = 64;

const utf8 = new TextEncoder();
const octets = (text: string): number => utf8.encode(text).length;

/**
 * An e-mail address, normalised (trimmed, Unicode NFC, lower case) so that comparison ignores
 * letter case and how an accent was typed.
 */
export class Email extends ValueObject<{ value: string }> {
  private constructor(value: string) {
    super({ value });
  }

  static create(raw: string): Email {
    const value = raw.trim().normalize('NFC').toLowerCase();
    if (!EMAIL_PATTERN.test(value)) {
      throw Email.invalid();
    }
    const local = value.slice(0, value.indexOf('@'));
    if (octets(value) > MAX_ADDRESS_OCTETS || octets(local) > MAX_LOCAL_PART_OCTETS) {
      throw Email.invalid();
    }
    return new Email(value);
  }

  get value(): string {
    return this.props.value;
  }

  override toString(): string {
    return this.props.value;
  }

  private static invalid(): ValidationError {
    return new ValidationError('email must be a valid e-mail address', 'invalid_email');
  }
}
