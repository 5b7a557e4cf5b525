import { ValidationError } from '@ajla/shared-kernel';
import { aUserId, InMemoryStaffDirectory } from '../../../test/fakes';
import { RecordStaffChangeHandler } from './record-staff-change.handler';

describe('RecordStaffChangeHandler', () => {
  let directory: InMemoryStaffDirectory;
  let handler: RecordStaffChangeHandler;
  const userId = aUserId();
  const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));
  const state = (role: string, minute: number, fullName: string | null = 'Sara') => ({
    userId,
    role,
    email: 'sara@ajla.test',
    fullName,
    asOf: at(minute),
  });

  beforeEach(() => {
    directory = new InMemoryStaffDirectory();
    handler = new RecordStaffChangeHandler(directory);
  });

  it('adds a new agent or admin', async () => {
    expect(await handler.execute(state('agent', 1))).toBe(true);
    expect(await directory.findStaff(userId)).toMatchObject({ role: 'agent', fullName: 'Sara' });
  });

  it('keeps a client, who is not staff', async () => {
    expect(await handler.execute(state('user', 1))).toBe(true);
    expect(await directory.findStaff(userId)).toBeUndefined();
  });

  it('follows promotions, renames and demotions', async () => {
    await handler.execute(state('agent', 1));
    await handler.execute(state('admin', 2, 'Sara K.'));
    expect(await directory.findStaff(userId)).toMatchObject({ role: 'admin', fullName: 'Sara K.' });
    expect(await handler.execute(state('user', 3))).toBe(true);
    expect(await directory.findStaff(userId)).toBeUndefined();
  });

  it('ignores a state older than the one it holds (events out of order)', async () => {
    await handler.execute(state('agent', 3)); // promoted at 3
    expect(await handler.execute(state('user', 2))).toBe(false);
    expect((await directory.findStaff(userId))?.role).toBe('agent');
    // A demotion that arrives before an older promotion stays a demotion.
    const other = { ...state('user', 5), userId: aUserId() };
    await handler.execute(other);
    expect(await handler.execute({ ...other, role: 'agent', asOf: at(4) })).toBe(false);
    expect(await directory.findStaff(other.userId)).toBeUndefined();
  });

  it('refuses an unknown role or a malformed id', async () => {
    await expect(handler.execute(state('root', 1))).rejects.toThrow(ValidationError);
    await expect(handler.execute({ ...state('agent', 1), userId: 'x' })).rejects.toThrow(
      ValidationError,
    );
  });
});
