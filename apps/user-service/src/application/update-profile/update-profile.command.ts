import type { UserId } from '../../domain/user/user-id';

export interface UpdateProfileCommand {
  userId: UserId;
  /** undefined: unchanged; null or blank: no name. */
  fullName?: string | null;
  /** undefined: unchanged; otherwise replaces the whole preferences object. */
  preferences?: unknown;
}
