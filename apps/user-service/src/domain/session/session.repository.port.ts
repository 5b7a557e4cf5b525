import type { Session } from './session.aggregate';

export interface SessionRepository {
  /**
   * The family that issued the token with this hash, holding that token, or undefined. Must be
   * called inside a unit of work: the family stays locked until it ends, so that two uses of one
   * token are handled one after the other and cannot both succeed.
   */
  findByTokenHashForUpdate(tokenHash: string): Promise<Session | undefined>;
  /** Inserts or updates the family and every token it holds. */
  save(session: Session): Promise<void>;
}

export const SESSION_REPOSITORY = Symbol('SessionRepository');
