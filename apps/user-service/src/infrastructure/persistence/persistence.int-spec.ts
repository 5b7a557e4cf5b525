import { OutboxUnitOfWork, OutboxWriter } from '@ajla/messaging';
import {
  createDataSource,
  createRequestContext,
  runWithRequestContext,
  type ServiceDataSource,
} from '@ajla/platform';
import { ConflictError, Email, UnauthenticatedError } from '@ajla/shared-kernel';
import { migratedDatabase, type MigratedDatabase } from '@ajla/testing';
import {
  FakeTokenIssuer,
  FixedClock,
  RecordedRevocations,
  sessionPolicy,
} from '../../../test/fakes';
import { LogOutHandler } from '../../application/log-out/log-out.handler';
import { RefreshSessionHandler } from '../../application/refresh-session/refresh-session.handler';
import { Session } from '../../domain/session/session.aggregate';
import { Preferences } from '../../domain/user/preferences.value-object';
import { Role } from '../../domain/user/role.value-object';
import { Tier } from '../../domain/user/tier.value-object';
import { User } from '../../domain/user/user.aggregate';
import { PRODUCER, userIntegrationEventMapper } from '../messaging/user-integration-event.mapper';
import { USERS_SCHEMA, userServiceEntities } from './entities';
import { userServiceMigrations } from './migrations';
import { TypeOrmSessionRepository } from './typeorm-session.repository';
import { TypeOrmUserRepository } from './typeorm-user.repository';

jest.setTimeout(30_000);

describe('user-service persistence (real Postgres)', () => {
  let db: MigratedDatabase<ServiceDataSource>;
  let unitOfWork: OutboxUnitOfWork;
  let users: TypeOrmUserRepository;
  let sessions: TypeOrmSessionRepository;
  const clock = new FixedClock(new Date('2025-06-01T08:00:00.123Z'));

  beforeAll(async () => {
    db = await migratedDatabase('users_persistence', (url) =>
      createDataSource({
        url,
        schema: USERS_SCHEMA,
        entities: userServiceEntities,
        migrations: userServiceMigrations,
      }),
    );
    unitOfWork = new OutboxUnitOfWork(db.dataSource, new OutboxWriter(), {
      producer: PRODUCER,
      events: userIntegrationEventMapper,
    });
    users = new TypeOrmUserRepository(unitOfWork);
    sessions = new TypeOrmSessionRepository(unitOfWork);
  });

  afterAll(async () => {
    await db?.close();
  });

  const newUser = (email: string, role = Role.user, fullName: string | null = 'Someone') => {
    clock.advanceSeconds(1);
    return User.create(
      { email: Email.create(email), passwordHash: '$argon2id$fake', fullName, role },
      clock.now(),
    );
  };

  describe('migrations', () => {
    it('creates the tables, and their migrations table, in the users schema only', async () => {
      const rows: { table_name: string }[] = await db.dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'users' ORDER BY table_name`,
      );
      expect(rows.map((r) => r.table_name)).toEqual([
        'inbox_messages',
        'migrations',
        'outbox_messages',
        'refresh_tokens',
        'session_families',
        'users',
      ]);
      const elsewhere: unknown[] = await db.dataSource.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'users'`,
      );
      expect(elsewhere).toHaveLength(0);
    });

    it('has nothing pending, and can be undone and redone', async () => {
      expect(await db.dataSource.showMigrations()).toBe(false);
      for (let i = 0; i < userServiceMigrations.length; i++)
        await db.dataSource.undoLastMigration();
      const left: unknown[] = await db.dataSource.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'users' AND table_name <> 'migrations'`,
      );
      expect(left).toHaveLength(0);
      await db.dataSource.runMigrations();
      expect(await db.dataSource.showMigrations()).toBe(false);
    });

    it('indexes every foreign key and the list order', async () => {
      const rows: { indexname: string }[] = await db.dataSource.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'users'`,
      );
      expect(rows.map((r) => r.indexname)).toEqual(
        expect.arrayContaining([
          'users_email_key',
          'users_created_at_idx',
          'users_role_created_at_idx',
          'session_families_user_id_idx',
          'refresh_tokens_family_id_idx',
          'refresh_tokens_replaced_by_id_idx',
          'refresh_tokens_token_hash_key',
        ]),
      );
    });
  });

  describe('TypeOrmUserRepository', () => {
    it('stores and restores an account, Unicode and preferences included, with UTC timestamps', async () => {
      const user = newUser('layla.roundtrip@ajla.test', Role.agent, 'ليلى 🌙');
      user.updateProfile(
        { preferences: Preferences.create({ language: 'ar', tags: ['✈️', 'مطعم'] }) },
        clock.now(),
      );
      await users.add(user);

      const byEmail = await users.findByEmail(Email.create('LAYLA.ROUNDTRIP@ajla.test'));
      const byId = await users.findById(user.id);

      for (const found of [byEmail, byId]) {
        expect(found).toBeDefined();
        expect(found!.id).toBe(user.id);
        expect(found!.fullName).toBe('ليلى 🌙');
        expect(found!.role.name).toBe('agent');
        expect(found!.tier.level).toBe(5000);
        expect(found!.preferences.toJSON()).toEqual({ language: 'ar', tags: ['✈️', 'مطعم'] });
        expect(found!.createdAt.toISOString()).toBe(user.createdAt.toISOString());
        expect(found!.pendingEvents).toHaveLength(0);
      }
    });

    it('refuses a second account with the same e-mail, also when both arrive at once', async () => {
      await users.add(newUser('taken@ajla.test'));
      await expect(users.add(newUser('taken@ajla.test'))).rejects.toThrow(ConflictError);

      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => users.add(newUser('race@ajla.test'))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      }
    });

    it('stores changes', async () => {
      const user = newUser('changing@ajla.test');
      await users.add(user);
      const admin = newUser('changer@ajla.test', Role.admin);
      user.changeAccess({ role: Role.agent, tier: Tier.create(100000) }, admin.id, clock.now());
      user.updateProfile({ fullName: null }, clock.now());
      await users.update(user);

      const found = (await users.findById(user.id))!;
      expect([found.role.name, found.tier.level, found.fullName]).toEqual(['agent', 100000, null]);
    });

    describe('events, through the outbox', () => {
      const outboxOf = (
        userId: string,
      ): Promise<{ routing_key: string; envelope: any; headers: any }[]> =>
        db.dataSource.query(
          `SELECT routing_key, envelope, headers FROM users.outbox_messages
            WHERE envelope->'data'->>'user_id' = $1 ORDER BY seq`,
          [userId],
        );

      it('writes user.registered with the new account, with the correlation id of the request', async () => {
        const user = newUser('outbox.registered@ajla.test', Role.agent, 'ليلى');
        const context = createRequestContext({ correlationId: 'corr-register-1' });
        await runWithRequestContext(context, () => users.add(user));
        const rows = await outboxOf(user.id);
        expect(rows).toHaveLength(1);
        expect(rows[0].routing_key).toBe('user.registered');
        expect(rows[0].envelope).toMatchObject({
          type: 'user.registered',
          producer: 'user-service',
          correlation_id: 'corr-register-1',
          data: {
            user_id: user.id,
            email: 'outbox.registered@ajla.test',
            full_name: 'ليلى',
            role: 'agent',
            tier: 5000,
          },
        });
        expect(rows[0].headers).toMatchObject({ 'x-correlation-id': 'corr-register-1' });
        expect(user.pendingEvents).toHaveLength(0);
      });

      it('writes no event when the account is refused', async () => {
        await users.add(newUser('outbox.dup@ajla.test'));
        const second = newUser('outbox.dup@ajla.test');
        await expect(users.add(second)).rejects.toThrow(ConflictError);
        expect(await outboxOf(second.id)).toHaveLength(0);
      });

      it('writes user.updated for role and tier changes, and nothing for a save without changes', async () => {
        const user = newUser('outbox.access@ajla.test');
        await users.add(user);
        const admin = newUser('outbox.admin@ajla.test', Role.admin);
        user.changeAccess({ role: Role.agent, tier: Tier.create(25000) }, admin.id, clock.now());
        await users.update(user);
        user.rehashPassword('$argon2id$stronger');
        await users.update(user);
        const rows = await outboxOf(user.id);
        expect(rows.map((row) => row.routing_key)).toEqual(['user.registered', 'user.updated']);
        expect(rows[1].envelope.data).toMatchObject({
          role: 'agent',
          tier: 25000,
          changed: ['role', 'tier'],
        });
      });

      it('shares the fate of the unit of work it runs in: rolled back, neither row nor event', async () => {
        const user = newUser('outbox.rollback@ajla.test');
        await expect(
          unitOfWork.run(async () => {
            await users.add(user);
            throw new Error('a later step failed');
          }),
        ).rejects.toThrow('a later step failed');
        expect(await users.findById(user.id)).toBeUndefined();
        expect(await outboxOf(user.id)).toHaveLength(0);
      });
    });

    it('lists newest first, by role, a page at a time, with the total', async () => {
      const agents = ['list.a1@ajla.test', 'list.a2@ajla.test', 'list.a3@ajla.test'].map((e) =>
        newUser(e, Role.admin),
      );
      for (const agent of agents) await users.add(agent);

      const first = await users.list({ role: 'admin', page: 1, pageSize: 2 });
      const second = await users.list({ role: 'admin', page: 2, pageSize: 2 });

      expect(first.total).toBe(3);
      expect(first.items.map((u) => u.email.value)).toEqual([
        'list.a3@ajla.test',
        'list.a2@ajla.test',
      ]);
      expect(second.items.map((u) => u.email.value)).toEqual(['list.a1@ajla.test']);
      const everyone = await users.list({ page: 1, pageSize: 100 });
      expect(everyone.total).toBeGreaterThan(3);
    });
  });

  describe('TypeOrmSessionRepository', () => {
    let owner: User;
    const tokens = new FakeTokenIssuer();

    beforeAll(async () => {
      owner = newUser('sessions@ajla.test');
      await users.add(owner);
    });

    async function startSession(): Promise<string> {
      const secret = tokens.newRefreshToken();
      await sessions.save(
        Session.start(owner.id, secret.hash, clock.now(), sessionPolicy.sessionLifetimeSeconds),
      );
      return secret.token;
    }

    it('refuses to lock outside a unit of work', async () => {
      await expect(sessions.findByTokenHashForUpdate(tokens.hashRefreshToken('x'))).rejects.toThrow(
        /unit of work/,
      );
    });

    it('stores a family and finds it by the hash of any of its tokens', async () => {
      const token = await startSession();
      const found = await unitOfWork.run(() =>
        sessions.findByTokenHashForUpdate(tokens.hashRefreshToken(token)),
      );
      expect(found).toBeDefined();
      expect(found!.userId).toBe(owner.id);
      expect(found!.tokens).toHaveLength(1);
      expect(found!.newestToken.tokenHash).toBe(tokens.hashRefreshToken(token));
      const unknown = await unitOfWork.run(() =>
        sessions.findByTokenHashForUpdate(tokens.hashRefreshToken('nope')),
      );
      expect(unknown).toBeUndefined();
    });

    it('stores nothing but the hash of a token', async () => {
      const token = await startSession();
      const rows: unknown[] = await db.dataSource.query(
        `SELECT 1 FROM users.refresh_tokens WHERE token_hash = $1 OR token_hash = $2`,
        [token, tokens.hashRefreshToken(token)],
      );
      expect(rows).toHaveLength(1);
      const plain: unknown[] = await db.dataSource.query(
        `SELECT 1 FROM users.refresh_tokens t WHERE t::text LIKE '%' || $1 || '%'`,
        [token],
      );
      expect(plain).toHaveLength(0);
    });

    describe('concurrent use of one refresh token', () => {
      let refresh: RefreshSessionHandler;

      beforeAll(() => {
        refresh = new RefreshSessionHandler(
          unitOfWork,
          sessions,
          users,
          tokens,
          clock,
          new RecordedRevocations(),
        );
      });

      it('lets exactly one of many simultaneous refreshes succeed, and the others revoke the family', async () => {
        const token = await startSession();

        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () => refresh.execute({ refreshToken: token })),
        );

        const won = results.filter(
          (r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof refresh.execute>>> =>
            r.status === 'fulfilled',
        );
        expect(won).toHaveLength(1);
        for (const r of results.filter((r) => r.status === 'rejected')) {
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(UnauthenticatedError);
        }
        // The losers presented a token that was spent by then: reuse, so the winner's token is dead too.
        await expect(refresh.execute({ refreshToken: won[0]!.value.refreshToken })).rejects.toThrow(
          UnauthenticatedError,
        );
        const [family] = await db.dataSource.query(
          `SELECT f.revoked_reason FROM users.session_families f
             JOIN users.refresh_tokens t ON t.family_id = f.id WHERE t.token_hash = $1`,
          [tokens.hashRefreshToken(token)],
        );
        expect(family.revoked_reason).toBe('reuse_detected');
      });

      it('keeps a chain of sequential refreshes going, each spending its predecessor', async () => {
        let token = await startSession();
        for (let i = 0; i < 5; i++)
          token = (await refresh.execute({ refreshToken: token })).refreshToken;
        const [row] = await db.dataSource.query(
          `SELECT count(*)::int AS total, count(spent_at)::int AS spent FROM users.refresh_tokens t
             WHERE t.family_id = (SELECT family_id FROM users.refresh_tokens WHERE token_hash = $1)`,
          [tokens.hashRefreshToken(token)],
        );
        expect(row).toEqual({ total: 6, spent: 5 });
      });

      it('ends the family when a logout races a refresh, whichever commits first', async () => {
        const token = await startSession();
        const logOut = new LogOutHandler(
          unitOfWork,
          sessions,
          tokens,
          clock,
          new RecordedRevocations(),
        );

        const [refreshed] = await Promise.allSettled([
          refresh.execute({ refreshToken: token }),
          logOut.execute({ userId: owner.id, refreshToken: token }),
        ]);

        if (refreshed.status === 'fulfilled') {
          await expect(
            refresh.execute({ refreshToken: refreshed.value.refreshToken }),
          ).rejects.toThrow(UnauthenticatedError);
        }
        await expect(refresh.execute({ refreshToken: token })).rejects.toThrow(
          UnauthenticatedError,
        );
      });
    });
  });
});
