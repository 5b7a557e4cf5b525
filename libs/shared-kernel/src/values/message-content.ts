import { ValueObject } from '../building-blocks/value-object';
import { ValidationError } from '../errors/domain-error';

// Postgres text cannot hold U+0000, and a lone surrogate cannot be encoded as UTF-8 (the driver
// would silently turn it into U+FFFD): refuse both here rather than fail or alter at the insert.
const LONE_SURROGATE = /\p{Cs}/u;

/** The text of a chat message: trimmed, 1..4000 characters (Unicode code points, emoji count as one). */
export class MessageContent extends ValueObject<{ value: string }> {
  static readonly MAX_LENGTH = 4000;

  private constructor(value: string) {
    super({ value });
  }

  static create(raw: string): MessageContent {
    const value = raw.trim();
    const length = [...value].length;
    if (length === 0) {
      throw new ValidationError('content must not be empty', 'empty_content');
    }
    if (length > MessageContent.MAX_LENGTH) {
      throw new ValidationError(
        `content must be at most ${MessageContent.MAX_LENGTH} characters`,
        'content_too_long',
      );
    }
    if (value.includes('\u0000') || LONE_SURROGATE.test(value)) {
      throw new ValidationError(
        'content contains characters that cannot be stored',
        'invalid_content',
      );
    }
    return new MessageContent(value);
  }

  get value(): string {
    return this.props.value;
  }
}
