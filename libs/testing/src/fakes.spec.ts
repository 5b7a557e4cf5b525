import { FixedClock, immediateUnitOfWork, pageSlice } from './fakes';

describe('fakes', () => {
  it('FixedClock stands still until advanced, and hands out copies', () => {
    const clock = new FixedClock(new Date('2025-06-01T08:00:00.000Z'));
    const now = clock.now();
    now.setFullYear(2000);
    expect(clock.now().toISOString()).toBe('2025-06-01T08:00:00.000Z');
    clock.advanceSeconds(90);
    expect(clock.now().toISOString()).toBe('2025-06-01T08:01:30.000Z');
    expect(new FixedClock().now().toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('immediateUnitOfWork runs the work and passes its answer and errors through', async () => {
    await expect(immediateUnitOfWork.run(async () => 42)).resolves.toBe(42);
    await expect(
      immediateUnitOfWork.run(async () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
  });

  it('pageSlice cuts one page and counts them all', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    expect(pageSlice(items, { page: 1, pageSize: 2 })).toEqual({ items: ['a', 'b'], total: 5 });
    expect(pageSlice(items, { page: 3, pageSize: 2 }, (s) => s.toUpperCase())).toEqual({
      items: ['E'],
      total: 5,
    });
    expect(pageSlice(items, { page: 4, pageSize: 2 })).toEqual({ items: [], total: 5 });
  });
});
