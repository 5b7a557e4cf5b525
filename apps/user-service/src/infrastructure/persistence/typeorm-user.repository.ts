import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { ConflictError, type Email } from '@ajla/shared-kernel';
import type { User } from '../../domain/user/user.aggregate';
import type { UserId } from '../../domain/user/user-id';
import type {
  UserDirectory,
  UserListFilter,
  UserPage,
  UserRepository,
} from '../../domain/user/user.repository.port';
import { isUniqueViolation } from './postgres-errors';
import { UserMapper } from './user.mapper';
import { UserOrmEntity } from './user.orm-entity';

export const USERS_EMAIL_UNIQUE = 'users_email_key';

/**
 * Users in Postgres. An account is saved in the caller's unit of work (or one of its own), which
 * writes the events it recorded (user.registered, user.updated) to the outbox with the row.
 */
@Injectable()
export class TypeOrmUserRepository implements UserRepository, UserDirectory {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async findById(id: UserId): Promise<User | undefined> {
    const row = await this.unitOfWork.manager.findOneBy(UserOrmEntity, { id });
    return row ? UserMapper.toDomain(row) : undefined;
  }

  async findByEmail(email: Email): Promise<User | undefined> {
    const row = await this.unitOfWork.manager.findOneBy(UserOrmEntity, { email: email.value });
    return row ? UserMapper.toDomain(row) : undefined;
  }

  async add(user: User): Promise<void> {
    await this.unitOfWork.run(async () => {
      try {
        await this.unitOfWork.manager.insert(UserOrmEntity, UserMapper.toPersistence(user));
      } catch (error) {
        // The check before the insert cannot see a registration running at the same moment.
        if (isUniqueViolation(error, USERS_EMAIL_UNIQUE)) {
          throw new ConflictError('an account with this e-mail already exists', 'email_taken');
        }
        throw error;
      }
      this.unitOfWork.track(user);
    });
  }

  async update(user: User): Promise<void> {
    await this.unitOfWork.run(async () => {
      const { id, ...row } = UserMapper.toPersistence(user);
      await this.unitOfWork.manager.update(UserOrmEntity, { id }, row);
      this.unitOfWork.track(user);
    });
  }

  async findStaffPage(after: UserId | undefined, limit: number): Promise<User[]> {
    const query = this.unitOfWork.manager
      .createQueryBuilder(UserOrmEntity, 'u')
      .where('u.has_been_staff')
      .orderBy('u.id', 'ASC')
      .limit(limit);
    if (after !== undefined) query.andWhere('u.id > :after', { after });
    return (await query.getMany()).map((row) => UserMapper.toDomain(row));
  }

  async report(users: readonly User[]): Promise<void> {
    await this.unitOfWork.run(() =>
      // A scope of its own in the same transaction, so that these accounts' events go to the
      // outbox now rather than with the caller's at its end: a snapshot of thousands of accounts
      // is written page by page, and no page stays in memory after its append.
      this.unitOfWork.join(this.unitOfWork.manager, async () => {
        for (const user of users) this.unitOfWork.track(user);
      }),
    );
  }

  async list(filter: UserListFilter): Promise<UserPage> {
    const query = this.unitOfWork.manager
      .createQueryBuilder(UserOrmEntity, 'u')
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .offset((filter.page - 1) * filter.pageSize)
      .limit(filter.pageSize);
    if (filter.role !== undefined) query.where('u.role = :role', { role: filter.role });
    const [rows, total] = await query.getManyAndCount();
    return { items: rows.map((row) => UserMapper.toDomain(row)), total };
  }
}
