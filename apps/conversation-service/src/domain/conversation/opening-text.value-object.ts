import { ValidationError, ValueObject } from '@ajla/shared-kernel';

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The text of a conversation's opening message (seq 1): the request's description, whole. It was
 * validated by request-service against the description's own limit (1..5000 characters), which is
 * larger than a chat message's (4000): cutting or refusing the client's request here would lose
 * what they asked for, so the opening message is the one message that may be that long.
 */
export class OpeningText extends ValueObject<{ value: string }> {
  static readonly MAX_LENGTH = 5000;

  private constructor(value: string) {
    super({ value });
  }

  static create(raw: string): OpeningText {
    const value = raw.trim();
    const length = [...value].length;
    if (length === 0) throw new ValidationError('description must not be empty', 'empty_content');
    if (length > OpeningText.MAX_LENGTH) {
      throw new ValidationError(
        `description must be at most ${OpeningText.MAX_LENGTH} characters`,
        'content_too_long',
      );
    }
    if (value.includes('\u0000') || LONE_SURROGATE.test(value)) {
      throw new ValidationError(
        'description contains characters that cannot be stored',
        'invalid_content',
      );
    }
    return new OpeningText(value);
  }

  get value(): string {
    return this.props.value;
  }
}
