import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { callJson } from '@ajla/service-testing';
import { waitFor } from '@ajla/testing';
import type { ConsumeMessage } from 'amqplib';
import { ROOT_ADMIN, startUserService, type UserServiceUnderTest } from '../test/harness';
import { ReportStaffSnapshotHandler } from './application/report-staff-snapshot/report-staff-snapshot.handler';

jest.setTimeout(60_000);

/**
 * user-service answers a request for the staff snapshot (`user.snapshot_requested`, from its
 * queue) with a `user.snapshot` of every account that is or was staff. Real Postgres, Redis and
 * RabbitMQ, an exchange and queues of this run's own.
 */
describe('user-service answers requests for the staff snapshot', () => {
  const admin = ROOT_ADMIN;
  let service: UserServiceUnderTest;
  let app: NestFastifyApplication;
  let snapshots: ConsumeMessage[];
  const answersTo = (requestedBy: string) =>
    snapshots
      .map((m) => JSON.parse(m.content.toString()) as EventEnvelope<'user.snapshot'>)
      .filter((e) => e.data.requested_by === requestedBy);

  beforeAll(async () => {
    service = await startUserService('snapshot', {
      tap: 'user.snapshot',
      env: { OUTBOX_POLL_INTERVAL_MS: '50' },
      consumer: {
        messagingName: `user-service-snap-${randomBytes(4).toString('hex')}`,
        retryDelaysMs: [200, 500],
      },
    });
    ({ app, published: snapshots } = service);
  });

  afterAll(async () => {
    await service?.stop();
  });

  async function call(method: string, url: string, body: unknown, token?: string): Promise<any> {
    const res = await callJson(service.baseUrl, method, url, { body, token });
    expect(res.status).toBeLessThan(300);
    return res.body;
  }

  it('reports staff now and staff that left, as of their last change, and no client', async () => {
    const root = (await call('POST', '/api/v1/auth/login', admin)).access_token as string;
    const staff = (email: string, role: string) =>
      call('POST', '/api/v1/admin/users', { email, password: 'staff password', role }, root);
    const sara = await staff('sara@ajla.test', 'agent');
    const omar = await staff('omar@ajla.test', 'agent');
    const nora = await call('POST', '/api/v1/auth/register', {
      email: 'nora@ajla.test',
      password: 'long enough',
    });
    const demoted = await call('PATCH', `/api/v1/admin/users/${omar.id}`, { role: 'user' }, root);

    const request = createEnvelope(
      'user.snapshot_requested',
      { requested_by: 'notification-service' },
      { producer: 'notification-service' },
    );
    service.bus.publish(request);

    const answer = await waitFor(() => {
      const found = answersTo('notification-service');
      return found.length >= 3 ? found : undefined;
    }, 15_000);
    const byId = Object.fromEntries(answer.map((e) => [e.data.user_id, e]));
    expect(Object.keys(byId)).toHaveLength(3); // root admin, sara, omar
    expect(byId[nora.id]).toBeUndefined();
    expect(byId[sara.id]).toMatchObject({
      producer: 'user-service',
      data: { role: 'agent', email: 'sara@ajla.test', as_of: sara.created_at, tier: 5000 },
    });
    // Demoted: reported as a client, as of the demotion, so that it leaves the asker's copy.
    expect(byId[omar.id].data.role).toBe('user');
    expect(new Date(byId[omar.id].data.as_of).getTime()).toBeGreaterThan(
      new Date(demoted.created_at).getTime(),
    );
    expect(Object.values(byId).filter((e) => e.data.role === 'admin')).toHaveLength(1);
  });

  it('pages through the accounts (outside a consumer: a transaction per page)', async () => {
    const reported = await app
      .get(ReportStaffSnapshotHandler)
      .execute({ requestedBy: 'request-service' }, 2);
    expect(reported).toBe(3);
    const answer = await waitFor(() => {
      const found = answersTo('request-service');
      return found.length >= 3 ? found : undefined;
    }, 15_000);
    expect(new Set(answer.map((e) => e.data.user_id)).size).toBe(3);
  });
});
