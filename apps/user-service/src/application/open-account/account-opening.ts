import { ConflictError, Email, type Clock } from '@ajla/shared-kernel';
import type { PasswordHasher } from '../../domain/user/password-hasher.port';
import { Password } from '../../domain/user/password.value-object';
import type { Role } from '../../domain/user/role.value-object';
import { User, type NewUser } from '../../domain/user/user.aggregate';
import type { UserRepository } from '../../domain/user/user.repository.port';

export interface AccountToOpen {
  email: string;
  password: string;
  fullName?: string | null;
  role: Role;
}

/**
 * The steps every new account goes through, whoever opens it (self-registration, an admin, the
 * bootstrap): validated e-mail and password, a free e-mail, an Argon2id hash, then the aggregate's
 * own factory. The unique index on the e-mail still decides a race; the check here gives the
 * common case its 409 without hashing first.
 */
export class AccountOpening {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  async open(
    account: AccountToOpen,
    factory: (input: NewUser, now: Date) => User = User.create,
  ): Promise<User> {
    const email = Email.create(account.email);
    const password = Password.create(account.password);
    if (await this.users.findByEmail(email)) {
      throw new ConflictError('an account with this e-mail already exists', 'email_taken');
    }
    const user = factory(
      {
        email,
        passwordHash: await this.hasher.hash(password.value),
        fullName: account.fullName,
        role: account.role,
      },
      this.clock.now(),
    );
    await this.users.add(user);
    return user;
  }
}
