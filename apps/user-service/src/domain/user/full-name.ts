import { ValidationError } from '@ajla/shared-kernel';

export const FULL_NAME_MAX_CHARACTERS = 200;

// Control characters (line breaks, NUL, escape sequences) have no place in a name shown to staff.
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** A display name as typed (any script, emoji included), trimmed; blank means none. */
export function parseFullName(raw: string | null): string | null {
  if (raw === null) return null;
  const name = raw.trim();
  if (name.length === 0) return null;
  if ([...name].length > FULL_NAME_MAX_CHARACTERS) {
    throw new ValidationError(
      `full_name must be at most ${FULL_NAME_MAX_CHARACTERS} characters long`,
      'full_name_too_long',
    );
  }
  if (CONTROL_CHARACTERS.test(name)) {
    throw new ValidationError('full_name must not contain control characters', 'invalid_full_name');
  }
  return name;
}
