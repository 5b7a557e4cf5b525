import { recordAccountState } from '@ajla/account-directory';
import { OutboxUnitOfWork, OutboxWriter } from '@ajla/messaging';
import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { newId, RuleViolationError } from '@ajla/shared-kernel';
import { migratedDatabase, type MigratedDatabase } from '@ajla/testing';
import { FixedClock, RecordingConversationOpener } from '../../../test/fakes';
import { AssignRequestHandler } from '../../application/assign-request/assign-request.handler';
import { ChangeRequestStatusHandler } from '../../application/change-request-status/change-request-status.handler';
import { SubmitRequestHandler } from '../../application/submit-request/submit-request.handler';
import { Request } from '../../domain/request/request.aggregate';
import { RequestDescription } from '../../domain/request/request-description.value-object';
import { RequestStatus } from '../../domain/request/request-status.value-object';
import { RequestType } from '../../domain/request/request-type.value-object';
import type { UserId } from '../../domain/user-id';
import {
  PRODUCER,
  requestIntegrationEventMapper,
} from '../messaging/request-integration-event.mapper';
import { REQUESTS_SCHEMA, requestServiceEntities } from './entities';
import { requestServiceMigrations } from './migrations';
import { CorruptRowError } from './request.mapper';
import { TypeOrmRequestRepository } from './typeorm-request.repository';
import { TypeOrmStaffDirectory } from './typeorm-staff-directory';

jest.setTimeout(30_000);

const aUserId = () => newId<'UserId'>() as UserId;

interface OutboxRow {
  id: string;
  routing_key: string;
  envelope: any;
  published_at: Date | null;
}

describe('request-service persistence (real Postgres)', () => {
  let db: MigratedDatabase<ServiceDataSource>;
  let unitOfWork: OutboxUnitOfWork;
  let requests: TypeOrmRequestRepository;
  let staff: TypeOrmStaffDirectory;
  const clock = new FixedClock(new Date('2025-06-01T08:00:00.123Z'));

  beforeAll(async () => {
    db = await migratedDatabase('requests_persistence', (url) =>
      createDataSource({
        url,
        schema: REQUESTS_SCHEMA,
        entities: requestServiceEntities,
        migrations: requestServiceMigrations,
      }),
    );
    unitOfWork = new OutboxUnitOfWork(db.dataSource, new OutboxWriter(), {
      producer: PRODUCER,
      events: requestIntegrationEventMapper,
    });
    requests = new TypeOrmRequestRepository(unitOfWork);
    staff = new TypeOrmStaffDirectory(unitOfWork);
  });

  afterAll(async () => {
    await db?.close();
  });

  const outboxOf = (requestId: string): Promise<OutboxRow[]> =>
    db.dataSource.query(
      `SELECT id, routing_key, envelope, published_at FROM requests.outbox_messages
       WHERE envelope->'data'->>'request_id' = $1 ORDER BY seq`,
      [requestId],
    );

  const newRequest = (
    owner = aUserId(),
    description = 'Un dîner pour deux à Dubaï 🍽️ مساء الجمعة',
  ) => {
    clock.advanceSeconds(1);
    return Request.create(
      {
        userId: owner,
        type: RequestType.dining,
        description: RequestDescription.create(description),
      },
      clock.now(),
    );
  };

  describe('migrations', () => {
    it('creates the tables, and their migrations table, in the requests schema only', async () => {
      const rows: { table_name: string }[] = await db.dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'requests' ORDER BY table_name`,
      );
      expect(rows.map((r) => r.table_name)).toEqual([
        'accounts',
        'inbox_messages',
        'migrations',
        'outbox_messages',
        'requests',
        'snapshot_requests',
      ]);
      const elsewhere: unknown[] = await db.dataSource.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'requests'`,
      );
      expect(elsewhere).toHaveLength(0);
    });

    it('indexes what the lists sort and filter by, and keeps conversation ids unique', async () => {
      const rows: { indexdef: string }[] = await db.dataSource.query(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = 'requests' AND tablename = 'requests'`,
      );
      const defs = rows.map((r) => r.indexdef.replace(/^.* USING btree /, ''));
      expect(defs).toEqual(
        expect.arrayContaining([
          '(id)',
          '(conversation_id)',
          '(user_id, created_at DESC, id DESC)',
          '(status, created_at, id)',
          '(assignee_id, created_at, id)',
          '(created_at, id)',
        ]),
      );
    });

    it('has nothing pending, and can be undone and redone', async () => {
      expect(await db.dataSource.showMigrations()).toBe(false);
      for (let i = 0; i < requestServiceMigrations.length; i++) {
        await db.dataSource.undoLastMigration();
      }
      const left: unknown[] = await db.dataSource.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'requests' AND table_name <> 'migrations'`,
      );
      expect(left).toHaveLength(0);
      await db.dataSource.runMigrations();
      expect(await db.dataSource.showMigrations()).toBe(false);
    });
  });

  describe('requests and their outbox', () => {
    it('stores a request and its request.submitted envelope in one statement of its own', async () => {
      const request = newRequest();
      await requests.add(request);

      const found = await requests.findById(request.id);
      expect(found).toBeDefined();
      expect(found!.description.value).toBe('Un dîner pour deux à Dubaï 🍽️ مساء الجمعة');
      expect(found!.createdAt).toEqual(request.createdAt);
      expect(found!.conversationId).toBe(request.conversationId);

      const outbox = await outboxOf(request.id);
      expect(outbox).toHaveLength(1);
      expect(outbox[0]!.routing_key).toBe('request.submitted');
      expect(outbox[0]!.published_at).toBeNull();
      expect(outbox[0]!.envelope).toEqual({
        id: outbox[0]!.id,
        type: 'request.submitted',
        version: 1,
        occurred_at: request.createdAt.toISOString(),
        producer: 'request-service',
        correlation_id: null,
        data: {
          request_id: request.id,
          user_id: request.userId,
          type: 'dining',
          description: 'Un dîner pour deux à Dubaï 🍽️ مساء الجمعة',
          status: 'new',
          conversation_id: request.conversationId,
          created_at: request.createdAt.toISOString(),
        },
      });
    });

    it('writes neither the request nor its event when the unit of work fails after the save', async () => {
      const request = newRequest();
      await expect(
        unitOfWork.run(async () => {
          await requests.add(request);
          throw new Error('something later in the same unit of work failed');
        }),
      ).rejects.toThrow('something later');
      expect(await requests.findById(request.id)).toBeUndefined();
      expect(await outboxOf(request.id)).toHaveLength(0);
    });

    it('writes no event when the save itself fails', async () => {
      const first = newRequest();
      await unitOfWork.run(() => requests.add(first));
      // The same request again: the insert fails on its primary key.
      const again = Request.restore(first.id, {
        userId: first.userId,
        type: first.type,
        description: first.description,
        status: RequestStatus.new,
        assigneeId: null,
        conversationId: newId<'ConversationId'>(),
        createdAt: first.createdAt,
        updatedAt: first.updatedAt,
      });
      const submitted = newRequest();
      await expect(
        unitOfWork.run(async () => {
          await requests.add(submitted);
          await requests.add(again);
        }),
      ).rejects.toThrow();
      expect(await outboxOf(submitted.id)).toHaveLength(0);
      expect(await requests.findById(submitted.id)).toBeUndefined();
    });

    it('saves changes with their events, in the order they happened', async () => {
      const request = newRequest();
      await unitOfWork.run(() => requests.add(request));
      const agent = aUserId();
      await unitOfWork.run(async () => {
        const stored = (await requests.findByIdForUpdate(request.id))!;
        stored.assign({ id: agent, isStaff: true }, agent, clock.now());
        stored.changeStatus(RequestStatus.inProgress, agent, clock.now());
        await requests.update(stored);
      });
      const stored = (await requests.findById(request.id))!;
      expect(stored.status.name).toBe('in_progress');
      expect(stored.assigneeId).toBe(agent);
      const outbox = await outboxOf(request.id);
      expect(outbox.map((row) => row.routing_key)).toEqual([
        'request.submitted',
        'request.assigned',
        'request.status_changed',
      ]);
      expect(outbox[2]!.envelope.data).toMatchObject({
        from: 'assigned',
        to: 'in_progress',
        changed_by: agent,
        assignee_id: agent,
      });
    });

    it('refuses to lock a row outside a unit of work', async () => {
      await expect(requests.findByIdForUpdate(newRequest().id)).rejects.toThrow(/unit of work/);
    });

    it('turns a corrupt row into an error that says which', async () => {
      const request = newRequest();
      await unitOfWork.run(() => requests.add(request));
      await db.dataSource.query(`UPDATE requests.requests SET description = '   ' WHERE id = $1`, [
        request.id,
      ]);
      await expect(requests.findById(request.id)).rejects.toThrow(CorruptRowError);
      await db.dataSource.query(`DELETE FROM requests.requests WHERE id = $1`, [request.id]);
    });

    it('lets only one of two concurrent transitions from one state win', async () => {
      const submit = new SubmitRequestHandler(requests, clock, new RecordingConversationOpener());
      const assign = new AssignRequestHandler(unitOfWork, requests, staff, clock);
      const change = new ChangeRequestStatusHandler(unitOfWork, requests, clock);
      const client = { id: aUserId(), role: 'user' as const };
      const agents = [0, 1, 2, 3].map(() => ({ id: aUserId(), role: 'agent' as const }));

      // Four agents claim one new request at once: each claim is made in turn on the row's lock,
      // so all of them succeed one after the other and the request ends with the last one.
      const request = await submit.execute({ caller: client, type: 'travel', description: 'x' });
      await Promise.all(agents.map((caller) => assign.execute({ caller, requestId: request.id })));
      const outbox = await outboxOf(request.id);
      const assigned = outbox.filter((row) => row.routing_key === 'request.assigned');
      expect(assigned).toHaveLength(4);
      // Each claim saw the one before it: one first assignment, then a chain of hand-overs.
      expect(
        assigned.filter((row) => row.envelope.data.previous_assignee_id === null),
      ).toHaveLength(1);
      const final = (await requests.findById(request.id))!;
      expect(final.assigneeId).toBe(assigned[3]!.envelope.data.assignee_id);

      // Two staff members start the work at the same moment: one moves it, the other gets 409.
      const results = await Promise.allSettled(
        agents
          .slice(0, 2)
          .map((caller) =>
            change.execute({ caller, requestId: request.id, status: 'in_progress' }),
          ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(RuleViolationError);
      expect(refused.reason.message).toBe('cannot move a request from in_progress to in_progress');
      expect(
        (await outboxOf(request.id)).filter((row) => row.routing_key === 'request.status_changed'),
      ).toHaveLength(1);
    });
  });

  describe('lists', () => {
    const owner = aUserId();
    const agent = aUserId();
    let created: Request[];

    beforeAll(async () => {
      created = [];
      for (const description of ['one', 'two', 'three', 'four']) {
        const request = newRequest(owner, description);
        await unitOfWork.run(() => requests.add(request));
        created.push(request);
      }
      await unitOfWork.run(async () => {
        const second = (await requests.findByIdForUpdate(created[1]!.id))!;
        second.assign({ id: agent, isStaff: true }, agent, clock.now());
        await requests.update(second);
      });
    });

    it("pages a client's requests newest first", async () => {
      const page = await requests.list({
        ownerId: owner,
        order: 'newest_first',
        page: 1,
        pageSize: 3,
      });
      expect(page.total).toBe(4);
      expect(page.items.map((r) => r.description.value)).toEqual(['four', 'three', 'two']);
      const next = await requests.list({
        ownerId: owner,
        order: 'newest_first',
        page: 2,
        pageSize: 3,
      });
      expect(next.items.map((r) => r.description.value)).toEqual(['one']);
    });

    it('pages the queue oldest first, by status and by assignee', async () => {
      const queue = await requests.list({ order: 'oldest_first', page: 1, pageSize: 100 });
      const ours = queue.items.filter((r) => r.userId === owner).map((r) => r.description.value);
      expect(ours).toEqual(['one', 'two', 'three', 'four']);
      const times = queue.items.map((r) => r.createdAt.getTime());
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      const fresh = await requests.list({
        ownerId: owner,
        status: 'new',
        order: 'oldest_first',
        page: 1,
        pageSize: 10,
      });
      expect(fresh.items.map((r) => r.description.value)).toEqual(['one', 'three', 'four']);
      const theirs = await requests.list({
        assigneeId: agent,
        order: 'oldest_first',
        page: 1,
        pageSize: 10,
      });
      expect(theirs).toMatchObject({ total: 1, items: [{ id: created[1]!.id }] });
    });
  });

  describe('staff directory', () => {
    // The rule that keeps it (the newest state wins, in any order, at once) is
    // @ajla/account-directory's, tested there; here, what assignments read of it.
    const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));
    const record = (userId: UserId, role: 'user' | 'agent' | 'admin', minute: number) =>
      recordAccountState(db.dataSource.manager, {
        userId,
        role,
        email: 'sara@ajla.test',
        fullName: 'سارة',
        asOf: at(minute),
      });

    it('finds agents and admins, with their state, and no client or demoted staff', async () => {
      const [agent, admin, client, demoted] = [aUserId(), aUserId(), aUserId(), aUserId()];
      await record(agent, 'agent', 1);
      await record(admin, 'admin', 1);
      await record(client, 'user', 1);
      await record(demoted, 'agent', 1);
      await record(demoted, 'user', 2);
      expect(await staff.findStaff(agent)).toEqual({
        userId: agent,
        role: 'agent',
        email: 'sara@ajla.test',
        fullName: 'سارة',
        asOf: at(1),
      });
      expect((await staff.findStaff(admin))?.role).toBe('admin');
      expect(await staff.findStaff(client)).toBeUndefined();
      expect(await staff.findStaff(demoted)).toBeUndefined();
      expect(await staff.findStaff(aUserId())).toBeUndefined();
    });
  });
});
