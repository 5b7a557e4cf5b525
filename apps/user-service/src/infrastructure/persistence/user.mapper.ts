import { Email, isId } from '@ajla/shared-kernel';
import { Preferences } from '../../domain/user/preferences.value-object';
import { Role } from '../../domain/user/role.value-object';
import { Tier } from '../../domain/user/tier.value-object';
import { User } from '../../domain/user/user.aggregate';
import type { UserId } from '../../domain/user/user-id';
import { UserOrmEntity } from './user.orm-entity';

/** A stored row that the domain cannot accept: a bug or a hand edit, never a client's fault. */
export class CorruptRowError extends Error {
  constructor(table: string, id: string, cause: unknown) {
    super(
      `corrupt row in ${table} (id ${id}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'CorruptRowError';
  }
}

export const UserMapper = {
  toDomain(row: UserOrmEntity): User {
    try {
      if (!isId(row.id)) throw new Error('id is not a UUID');
      return User.restore(row.id as UserId, {
        email: Email.create(row.email),
        passwordHash: row.passwordHash,
        fullName: row.fullName,
        role: Role.create(row.role),
        tier: Tier.create(row.tier),
        preferences: Preferences.create(row.preferences),
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        hasBeenStaff: row.hasBeenStaff,
      });
    } catch (error) {
      throw new CorruptRowError('users', row.id, error);
    }
  },

  toPersistence(user: User): UserOrmEntity {
    const row = new UserOrmEntity();
    row.id = user.id;
    row.email = user.email.value;
    row.passwordHash = user.passwordHash;
    row.fullName = user.fullName;
    row.role = user.role.name;
    row.tier = user.tier.level;
    row.preferences = user.preferences.toJSON();
    row.createdAt = user.createdAt;
    row.updatedAt = user.updatedAt;
    row.hasBeenStaff = user.hasBeenStaff;
    return row;
  },
};
