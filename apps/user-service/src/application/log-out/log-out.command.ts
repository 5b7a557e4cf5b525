import type { UserId } from '../../domain/user/user-id';

export interface LogOutCommand {
  /** The caller, from its access token. */
  userId: UserId;
  refreshToken: string;
}
