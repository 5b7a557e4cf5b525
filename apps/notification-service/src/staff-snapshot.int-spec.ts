import { createEnvelope, type EventEnvelope, type UserRole } from '@ajla/contracts';
import { SnapshotRequests } from '@ajla/messaging';
import { newId } from '@ajla/shared-kernel';
import { waitFor } from '@ajla/testing';
import { ServiceHarness } from '../test/harness';
import { SERVICE_NAME } from './app.module';

jest.setTimeout(60_000);

/**
 * notification-service deployed after staff accounts existed: their events were published before
 * its queue did, so it hears of them only by asking user-service for the staff snapshot. Real
 * Postgres and RabbitMQ (an exchange of this run's own); the test answers the request as
 * user-service does, with `user.snapshot` events.
 */
describe('notification-service catches up on the staff (user.snapshot)', () => {
  const harness = new ServiceHarness();
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 8, minute)).toISOString();
  const sara = newId(); // agent, registered before notification-service existed
  const dana = newId(); // admin, same
  const omar = newId(); // agent once, demoted before notification-service existed
  const client = newId();

  const account = (id: string, role: UserRole, fullName: string) => ({
    user_id: id,
    email: `${id.slice(-12)}@ajla.test`,
    full_name: fullName,
    role,
    tier: 5000 as const,
  });
  const snapshot = (id: string, role: UserRole, asOf: string, fullName = 'Staff Member') =>
    createEnvelope(
      'user.snapshot',
      { ...account(id, role, fullName), as_of: asOf, requested_by: SERVICE_NAME },
      { producer: 'user-service' },
    );
  const updated = (id: string, role: UserRole, updatedAt: string, fullName = 'Staff Member') =>
    createEnvelope(
      'user.updated',
      { ...account(id, role, fullName), updated_at: updatedAt, changed: ['role', 'full_name'] },
      { producer: 'user-service' },
    );

  const deliver = async (...events: EventEnvelope[]) => {
    for (const event of events) harness.publish(event);
    for (const event of events) await harness.handled(event.id);
  };

  /** The staff as the directory knows them: id → role and name. */
  async function staff(): Promise<Record<string, string>> {
    const { rows } = await harness.sql.query(
      `SELECT user_id, role, full_name FROM notifications.accounts WHERE role <> 'user'`,
    );
    return Object.fromEntries(rows.map((r) => [r.user_id, `${r.role} ${r.full_name}`]));
  }

  beforeAll(() => harness.setUp('snapshot'));
  afterAll(() => harness.tearDown());

  it('asks for the staff snapshot once, at its first start, and its relay publishes the request', async () => {
    const [asked] = (
      await harness.sql.query('SELECT event_id FROM notifications.snapshot_requests')
    ).rows;
    expect(asked).toBeDefined();
    // The relay deletes an outbox row once RabbitMQ confirmed its event: the request went out.
    await waitFor(async () => {
      const { rowCount } = await harness.sql.query(
        'SELECT 1 FROM notifications.outbox_messages WHERE id = $1',
        [asked.event_id],
      );
      return rowCount === 0 ? true : undefined;
    }, 15_000);
    // A later start asks nothing: the row that remembers the request is there.
    expect(await harness.app.get(SnapshotRequests).askOnce('user.snapshot_requested')).toBe(false);
  });

  it('knows the staff from the answer, and tells them of the next request', async () => {
    await deliver(
      snapshot(sara, 'agent', at(0)),
      snapshot(dana, 'admin', at(1)),
      snapshot(omar, 'user', at(2)),
    );
    expect(await staff()).toEqual({
      [sara]: 'agent Staff Member',
      [dana]: 'admin Staff Member',
    });

    const request = createEnvelope(
      'request.submitted',
      {
        request_id: newId(),
        user_id: client,
        type: 'dining',
        description: 'A table for two',
        status: 'new',
        conversation_id: newId(),
        created_at: at(30),
      },
      { producer: 'request-service' },
    );
    await deliver(request);
    const { rows } = await harness.sql.query(
      'SELECT recipient_id FROM notifications.notifications WHERE event_id = $1 ORDER BY recipient_id',
      [request.id],
    );
    expect(rows.map((r) => r.recipient_id)).toEqual([sara, dana].sort());
  });

  it('never lets an older snapshot overwrite a newer event, in either order', async () => {
    // A change that arrives before an answer written earlier (the answer is as of minute 0).
    await deliver(updated(sara, 'agent', at(10), 'Sara K.'));
    await deliver(snapshot(sara, 'agent', at(0), 'Sara'));
    // A demotion, then a late snapshot from when the account was still staff.
    await deliver(updated(dana, 'user', at(11)));
    await deliver(snapshot(dana, 'admin', at(1)));
    expect(await staff()).toEqual({ [sara]: 'agent Sara K.' });

    // A newer snapshot does win (a change this service missed).
    await deliver(snapshot(sara, 'admin', at(12), 'Sara K.'));
    expect(await staff()).toEqual({ [sara]: 'admin Sara K.' });
  });
});
