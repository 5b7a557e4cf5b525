import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import type { Session } from '../../domain/session/session.aggregate';
import type { SessionRepository } from '../../domain/session/session.repository.port';
import { RefreshTokenOrmEntity } from './refresh-token.orm-entity';
import { SessionMapper } from './session.mapper';
import { SessionFamilyOrmEntity } from './session-family.orm-entity';

@Injectable()
export class TypeOrmSessionRepository implements SessionRepository {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async findByTokenHashForUpdate(tokenHash: string): Promise<Session | undefined> {
    if (!this.unitOfWork.inTransaction) {
      throw new Error(
        'findByTokenHashForUpdate must run inside a unit of work: its lock would not last',
      );
    }
    const manager = this.unitOfWork.manager;
    const issued = await manager.findOne(RefreshTokenOrmEntity, {
      where: { tokenHash },
      select: { id: true, familyId: true },
    });
    if (issued === null) return undefined;

    // Every change to a family locks its row first, so concurrent uses of its tokens queue here.
    const family = await manager
      .createQueryBuilder(SessionFamilyOrmEntity, 'f')
      .where('f.id = :id', { id: issued.familyId })
      .setLock('pessimistic_write')
      .getOne();
    if (family === null) return undefined;
    // Read after the lock is held: a statement started now sees what the previous holder committed.
    const token = await manager.findOneByOrFail(RefreshTokenOrmEntity, { id: issued.id });
    return SessionMapper.toDomain(family, [token]);
  }

  /** The family row and its tokens together (joins the caller's unit of work, if any). */
  async save(session: Session): Promise<void> {
    await this.unitOfWork.run(async () => {
      const manager = this.unitOfWork.manager;
      await manager.upsert(SessionFamilyOrmEntity, SessionMapper.familyToPersistence(session), [
        'id',
      ]);
      await manager.upsert(RefreshTokenOrmEntity, SessionMapper.tokensToPersistence(session), [
        'id',
      ]);
    });
  }
}
