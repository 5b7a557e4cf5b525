import type { UserId } from '../../domain/user/user-id';

export interface ChangeUserAccessCommand {
  /** The admin making the change. */
  changedBy: UserId;
  userId: string;
  role?: string;
  tier?: number;
}
