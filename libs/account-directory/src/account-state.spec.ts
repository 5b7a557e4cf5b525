import { createEnvelope } from '@ajla/contracts';
import { accountStateOf } from './account-state';

const account = {
  user_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a05',
  email: 'sara@ajla.test',
  full_name: 'سارة',
  role: 'agent' as const,
  tier: 5000 as const,
};
const meta = { producer: 'user-service', correlationId: null };

describe('accountStateOf', () => {
  const expected = (asOf: string) => ({
    userId: account.user_id,
    role: 'agent',
    email: 'sara@ajla.test',
    fullName: 'سارة',
    asOf: new Date(asOf),
  });

  it('takes a registration as of its creation', () => {
    const event = createEnvelope(
      'user.registered',
      { ...account, created_at: '2026-11-22T10:00:00.000Z' },
      meta,
    );
    expect(accountStateOf(event)).toEqual(expected('2026-11-22T10:00:00.000Z'));
  });

  it('takes a change as of its update, whatever else it carries', () => {
    const event = createEnvelope(
      'user.updated',
      {
        ...account,
        updated_at: '2026-11-22T11:00:00.000Z',
        changed: ['role'],
        notification_preferences: { email: { 'message.created': false } },
      },
      meta,
    );
    expect(accountStateOf(event)).toEqual(expected('2026-11-22T11:00:00.000Z'));
  });

  it('takes a snapshot as of the time the account reached that state', () => {
    const event = createEnvelope(
      'user.snapshot',
      { ...account, as_of: '2026-11-22T09:00:00.000Z', requested_by: 'request-service' },
      meta,
    );
    expect(accountStateOf(event)).toEqual(expected('2026-11-22T09:00:00.000Z'));
  });
});
