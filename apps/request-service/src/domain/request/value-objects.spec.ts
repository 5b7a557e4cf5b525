import { ValidationError } from '@ajla/shared-kernel';
import { RequestDescription } from './request-description.value-object';
import { REQUEST_LIFECYCLE, RequestStatus } from './request-status.value-object';
import { RequestType } from './request-type.value-object';

describe('RequestType', () => {
  it.each(['travel', 'dining', 'events', 'shopping'])('accepts %s', (name) => {
    expect(RequestType.create(name).name).toBe(name);
    expect(RequestType.create(name).equals(RequestType.create(name))).toBe(true);
  });

  it.each(['', 'Travel', 'flights', ' dining'])('refuses %p', (name) => {
    expect(() => RequestType.create(name)).toThrow(
      expect.objectContaining({ reason: 'invalid_type' }),
    );
  });
});

describe('RequestDescription', () => {
  it('is trimmed', () => {
    expect(RequestDescription.create('  Tickets for the opera\n').value).toBe(
      'Tickets for the opera',
    );
  });

  it('counts characters as code points: 5000 emoji or Arabic letters fit', () => {
    expect(RequestDescription.create('🎟'.repeat(5000)).value).toHaveLength(10000);
    expect(RequestDescription.create('ع'.repeat(5000)).value).toHaveLength(5000);
  });

  it.each([
    ['', 'empty_description'],
    ['   \n\t ', 'empty_description'],
    ['x'.repeat(5001), 'description_too_long'],
    ['🎟'.repeat(5001), 'description_too_long'],
    ['a\u0000b', 'invalid_description'],
    ['broken \ud83d surrogate', 'invalid_description'],
  ])('refuses %p (%s)', (raw, reason) => {
    expect(() => RequestDescription.create(raw)).toThrow(ValidationError);
    expect(() => RequestDescription.create(raw)).toThrow(expect.objectContaining({ reason }));
  });
});

describe('RequestStatus', () => {
  it.each(['new', 'assigned', 'in_progress', 'fulfilled', 'cancelled'])('accepts %s', (name) => {
    expect(RequestStatus.create(name).name).toBe(name);
  });

  it('refuses anything else', () => {
    expect(() => RequestStatus.create('done')).toThrow(
      expect.objectContaining({ reason: 'invalid_status' }),
    );
  });

  it('knows the lifecycle of API.md and how each move is made', () => {
    expect(REQUEST_LIFECYCLE).toEqual({
      new: { assigned: 'assignment', cancelled: 'owner_cancellation' },
      assigned: { in_progress: 'staff_status_change', cancelled: 'owner_cancellation' },
      in_progress: { fulfilled: 'staff_status_change', cancelled: 'owner_cancellation' },
      fulfilled: {},
      cancelled: {},
    });
    expect(RequestStatus.new.wayTo(RequestStatus.fulfilled)).toBeUndefined();
    expect(RequestStatus.fulfilled.isClosed).toBe(true);
    expect(RequestStatus.inProgress.isClosed).toBe(false);
  });
});
