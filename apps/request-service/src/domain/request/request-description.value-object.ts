import { ValidationError, ValueObject } from '@ajla/shared-kernel';

// Postgres text cannot hold U+0000, and a lone surrogate cannot be encoded as UTF-8: refuse both
// here rather than fail (or be silently altered) at the insert.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What the client asks for, in their own words (any script, emoji included): trimmed, 1 to 5000
 * characters counted as Unicode code points, so an emoji counts as one.
 */
export class RequestDescription extends ValueObject<{ value: string }> {
  static readonly MAX_LENGTH = 5000;

  private constructor(value: string) {
    super({ value });
  }

  static create(raw: string): RequestDescription {
    const value = raw.trim();
    const length = [...value].length;
    if (length === 0) {
      throw new ValidationError('description must not be empty', 'empty_description');
    }
    if (length > RequestDescription.MAX_LENGTH) {
      throw new ValidationError(
        `description must be at most ${RequestDescription.MAX_LENGTH} characters`,
        'description_too_long',
      );
    }
    if (value.includes('\u0000') || LONE_SURROGATE.test(value)) {
      throw new ValidationError(
        'description contains characters that cannot be stored',
        'invalid_description',
      );
    }
    return new RequestDescription(value);
  }

  get value(): string {
    return this.props.value;
  }

  override toString(): string {
    return this.props.value;
  }
}
