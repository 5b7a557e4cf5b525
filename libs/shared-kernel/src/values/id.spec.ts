import { ValidationError } from '../errors/domain-error';
import { Id, isId, newId, parseId } from './id';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds a UUIDv7 carries in its first 48 bits. */
function timeOf(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

describe('newId', () => {
  afterEach(() => jest.useRealTimers());

  it('creates lower-case UUIDv7 strings', () => {
    const id: Id<'UserId'> = newId<'UserId'>();
    expect(id).toMatch(UUID_V7);
  });

  it('never repeats itself', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId()));
    expect(ids.size).toBe(10_000);
  });

  // The generator never goes back in time (see the last test), so every fake clock here starts
  // after anything earlier tests may have generated.
  const tomorrow = () => Math.ceil(Date.now() / 1000) * 1000 + 86_400_000;

  it('carries its creation time, so ids sort by when they were made', () => {
    const start = tomorrow();
    jest.useFakeTimers({ now: start });
    const earlier = newId();
    jest.setSystemTime(start + 1);
    const later = newId();
    jest.setSystemTime(start + 5 * 365 * 86_400_000);
    const muchLater = newId();

    expect(timeOf(earlier)).toBe(start);
    expect(timeOf(later)).toBe(start + 1);
    expect(timeOf(muchLater)).toBe(start + 5 * 365 * 86_400_000);
    expect([muchLater, later, earlier].sort()).toEqual([earlier, later, muchLater]);
  });

  it('keeps ids made within the same millisecond in creation order', () => {
    jest.useFakeTimers({ now: tomorrow() + 10 * 365 * 86_400_000 });
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(new Set(ids.map(timeOf)).size).toBe(1);
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps sorting after earlier ids when the clock is set back', () => {
    const start = tomorrow() + 20 * 365 * 86_400_000;
    jest.useFakeTimers({ now: start });
    const before = newId();
    jest.setSystemTime(start - 60_000);
    const after = newId();
    expect(after > before).toBe(true);
  });
});

describe('isId', () => {
  it('accepts UUID strings only', () => {
    expect(isId(newId())).toBe(true);
    expect(isId('not-a-uuid')).toBe(false);
    expect(isId(42)).toBe(false);
    expect(isId(undefined)).toBe(false);
  });
});

describe('parseId', () => {
  it('accepts a UUIDv7 unchanged', () => {
    const id = newId();
    expect(parseId(id)).toBe(id);
  });

  it('accepts other UUID versions, since ids from outside may predate v7', () => {
    expect(parseId('0b3c9a5e-8f2d-4c1b-9a7e-3d2f1e0c4b5a')).toBe(
      '0b3c9a5e-8f2d-4c1b-9a7e-3d2f1e0c4b5a',
    );
  });

  it('lower-cases, so one id has one spelling', () => {
    expect(parseId('0192F4C8-5B6A-7D3E-8F10-1A2B3C4D5E6F')).toBe(
      '0192f4c8-5b6a-7d3e-8f10-1a2b3c4d5e6f',
    );
  });

  it.each([
    ['an empty string', ''],
    ['a number', 12],
    ['null', null],
    ['undefined', undefined],
    ['an object', { id: '0192f4c8-5b6a-7d3e-8f10-1a2b3c4d5e6f' }],
    ['a serial integer id', '17'],
    ['a UUID without dashes', '0192f4c85b6a7d3e8f101a2b3c4d5e6f'],
    ['a UUID in braces', '{0192f4c8-5b6a-7d3e-8f10-1a2b3c4d5e6f}'],
    ['a UUID with spaces around', ' 0192f4c8-5b6a-7d3e-8f10-1a2b3c4d5e6f '],
    ['a UUID with a non-hex digit', '0192f4c8-5b6a-7d3e-8f10-1a2b3c4d5e6g'],
    ['a UUID with an extra character', '0192f4c8-5b6a-7d3e-8f10-1a2b3c4d5e6f0'],
    ['a path traversal', '../../etc/passwd'],
  ])('refuses %s with a validation error', (_label, value) => {
    expect(() => parseId(value)).toThrow(ValidationError);
    expect(() => parseId(value)).toThrow(
      expect.objectContaining({
        code: 'validation',
        reason: 'invalid_id',
        message: 'id must be a UUID',
      }),
    );
  });

  it('names the thing that was wrong', () => {
    expect(() => parseId('nope', 'conversation_id')).toThrow('conversation_id must be a UUID');
  });
});
