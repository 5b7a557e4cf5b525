// Tiny in-memory stand-ins for the ports, for domain and handler specs.
import { createHash } from 'node:crypto';
import { ConflictError, Email, type Clock } from '@ajla/shared-kernel';
import { pageSlice } from '@ajla/testing';
import type { RevocationBroadcast } from '../src/application/ports/revocation-broadcast.port';
import type { SessionPolicy } from '../src/application/ports/session-policy.port';
import {
  LOGIN_THROTTLE_POLICY,
  type LoginAdmission,
  type LoginAttemptSource,
  type LoginThrottle,
  type LoginThrottlePolicy,
} from '../src/domain/login/login-throttle.port';
import { RefreshToken } from '../src/domain/session/refresh-token.entity';
import { Session } from '../src/domain/session/session.aggregate';
import type { SessionRepository } from '../src/domain/session/session.repository.port';
import type {
  AccessTokenSubject,
  IssuedAccessToken,
  RefreshTokenSecret,
  TokenIssuer,
} from '../src/domain/session/token-issuer.port';
import type { PasswordHasher } from '../src/domain/user/password-hasher.port';
import { Role } from '../src/domain/user/role.value-object';
import { User } from '../src/domain/user/user.aggregate';
import type { UserId } from '../src/domain/user/user-id';
import { UserStateReported } from '../src/domain/user/user-state-reported.domain-event';
import type {
  UserDirectory,
  UserListFilter,
  UserPage,
  UserRepository,
} from '../src/domain/user/user.repository.port';

export { FixedClock, immediateUnitOfWork } from '@ajla/testing';

/** Stores copies, like a database would, so a test sees only what was saved. */
export class InMemoryUsers implements UserRepository, UserDirectory {
  private readonly rows = new Map<string, User>();

  async findById(id: UserId): Promise<User | undefined> {
    const user = this.rows.get(id);
    return user && copyUser(user);
  }
  async findByEmail(email: Email): Promise<User | undefined> {
    const user = [...this.rows.values()].find((u) => u.email.equals(email));
    return user && copyUser(user);
  }
  async add(user: User): Promise<void> {
    if (this.rows.has(user.id) || (await this.findByEmail(user.email))) {
      throw new ConflictError('an account with this e-mail already exists', 'email_taken');
    }
    this.rows.set(user.id, copyUser(user));
  }
  async update(user: User): Promise<void> {
    if (!this.rows.has(user.id)) throw new Error(`no user ${user.id}`);
    this.rows.set(user.id, copyUser(user));
  }
  async findStaffPage(after: UserId | undefined, limit: number): Promise<User[]> {
    return [...this.rows.values()]
      .filter((u) => u.hasBeenStaff && (after === undefined || u.id > after))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit)
      .map(copyUser);
  }
  /** The states reported (`report`), in order. */
  readonly reported: UserStateReported[] = [];
  async report(users: readonly User[]): Promise<void> {
    for (const user of users) {
      this.reported.push(...user.pullEvents().filter((e) => e instanceof UserStateReported));
    }
  }
  async list(filter: UserListFilter): Promise<UserPage> {
    const matching = [...this.rows.values()]
      .filter((u) => filter.role === undefined || u.role.name === filter.role)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
    return pageSlice(matching, filter, copyUser);
  }
  get count(): number {
    return this.rows.size;
  }
}

function copyUser(user: User): User {
  return User.restore(user.id, {
    email: user.email,
    passwordHash: user.passwordHash,
    fullName: user.fullName,
    role: user.role,
    tier: user.tier,
    preferences: user.preferences,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    hasBeenStaff: user.hasBeenStaff,
  });
}

export class InMemorySessions implements SessionRepository {
  private readonly families = new Map<
    string,
    {
      userId: UserId;
      createdAt: Date;
      revokedAt: Date | null;
      revokedReason: Session['revokedReason'];
    }
  >();
  private readonly tokens = new Map<string, { familyId: string; token: RefreshToken }>();

  async findByTokenHashForUpdate(tokenHash: string): Promise<Session | undefined> {
    const row = [...this.tokens.values()].find((t) => t.token.tokenHash === tokenHash);
    if (row === undefined) return undefined;
    const family = this.families.get(row.familyId)!;
    return Session.restore(row.familyId as Session['id'], {
      ...family,
      tokens: [copyToken(row.token)],
    });
  }
  async save(session: Session): Promise<void> {
    this.families.set(session.id, {
      userId: session.userId,
      createdAt: session.createdAt,
      revokedAt: session.revokedAt,
      revokedReason: session.revokedReason,
    });
    for (const token of session.tokens)
      this.tokens.set(token.id, { familyId: session.id, token: copyToken(token) });
  }
  familyOf(
    tokenHash: string,
  ): { revokedAt: Date | null; revokedReason: string | null } | undefined {
    const row = [...this.tokens.values()].find((t) => t.token.tokenHash === tokenHash);
    return row && this.families.get(row.familyId);
  }
}

function copyToken(token: RefreshToken): RefreshToken {
  return RefreshToken.restore(token.id, {
    tokenHash: token.tokenHash,
    issuedAt: token.issuedAt,
    expiresAt: token.expiresAt,
    spentAt: token.spentAt,
    replacedById: token.replacedById,
  });
}

/** `hash:<password>`; counts verifications, decoy ones included. */
export class FakePasswordHasher implements PasswordHasher {
  verifications = 0;
  decoyVerifications = 0;
  weakHashes = new Set<string>();

  async hash(password: string): Promise<string> {
    return `hash:${password}`;
  }
  async verify(hash: string | null, password: string): Promise<boolean> {
    this.verifications += 1;
    if (hash === null) {
      this.decoyVerifications += 1;
      return false;
    }
    return (
      hash === `hash:${password}` || (this.weakHashes.has(hash) && hash === `weak:${password}`)
    );
  }
  needsRehash(hash: string): boolean {
    return this.weakHashes.has(hash);
  }
}

export class FakeTokenIssuer implements TokenIssuer {
  private counter = 0;
  issued: AccessTokenSubject[] = [];

  async issueAccessToken(subject: AccessTokenSubject): Promise<IssuedAccessToken> {
    this.issued.push(subject);
    return {
      token: `access-${subject.userId}-${subject.role}-${this.issued.length}`,
      expiresInSeconds: 900,
    };
  }
  newRefreshToken(): RefreshTokenSecret {
    this.counter += 1;
    const token = `refresh-${this.counter}`;
    return { token, hash: this.hashRefreshToken(token) };
  }
  hashRefreshToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}

/** Records what was announced; `failing` makes every announcement throw (Redis down). */
export class RecordedRevocations implements RevocationBroadcast {
  readonly announced: Array<
    | ({ kind: 'session_ended' } & Parameters<RevocationBroadcast['sessionEnded']>[0])
    | ({ kind: 'access_changed' } & Parameters<RevocationBroadcast['accessChanged']>[0])
  > = [];
  failing = false;

  async sessionEnded(session: Parameters<RevocationBroadcast['sessionEnded']>[0]): Promise<void> {
    if (this.failing) throw new Error('redis is down');
    this.announced.push({ kind: 'session_ended', ...session });
  }

  async accessChanged(change: Parameters<RevocationBroadcast['accessChanged']>[0]): Promise<void> {
    if (this.failing) throw new Error('redis is down');
    this.announced.push({ kind: 'access_changed', ...change });
  }
}

/** The policy of the port, counted in memory with a fixed window per key. */
export class InMemoryLoginThrottle implements LoginThrottle {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly policy: LoginThrottlePolicy = LOGIN_THROTTLE_POLICY,
  ) {}

  async admit(source: LoginAttemptSource): Promise<LoginAdmission> {
    const now = this.clock.now().getTime();
    const keys = [
      { key: `account:${source.account}`, max: this.policy.maxFailuresPerAccount },
      { key: `address:${source.address}`, max: this.policy.maxFailuresPerAddress },
    ];
    const blocked = keys
      .map(({ key, max }) => ({ window: this.live(key, now), max }))
      .filter(({ window, max }) => window !== undefined && window.failures >= max)
      .map(({ window }) => Math.ceil((window!.endsAt - now) / 1000));
    if (blocked.length > 0) return { admitted: false, retryAfterSeconds: Math.max(...blocked) };
    return {
      admitted: true,
      attempt: {
        failed: async () => {
          for (const { key } of keys) {
            const window = this.live(key, now) ?? {
              failures: 0,
              endsAt: now + this.policy.windowSeconds * 1000,
            };
            window.failures += 1;
            this.windows.set(key, window);
          }
        },
        succeeded: async () => {
          this.windows.delete(keys[0]!.key);
        },
      },
    };
  }

  private live(key: string, now: number): { failures: number; endsAt: number } | undefined {
    const window = this.windows.get(key);
    return window && window.endsAt > now ? window : undefined;
  }
}

export const sessionPolicy: SessionPolicy = { sessionLifetimeSeconds: 30 * 24 * 3600 };

/** Object mother: a stored account. */
export async function aStoredUser(
  users: InMemoryUsers,
  clock: Clock,
  overrides: { email?: string; password?: string; role?: Role; fullName?: string } = {},
): Promise<User> {
  const user = User.create(
    {
      email: Email.create(
        overrides.email ?? `someone.${Math.random().toString(36).slice(2, 8)}@ajla.test`,
      ),
      passwordHash: `hash:${overrides.password ?? 'correct horse'}`,
      fullName: overrides.fullName ?? 'Some One',
      role: overrides.role ?? Role.user,
    },
    clock.now(),
  );
  user.pullEvents();
  await users.add(user);
  return user;
}
