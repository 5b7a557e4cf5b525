import type { UserId } from '../../domain/user/user-id';

export interface GetProfileQuery {
  userId: UserId;
}
