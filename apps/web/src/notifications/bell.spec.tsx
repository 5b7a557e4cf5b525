import { act, screen, within } from '@testing-library/react';
import { vi } from 'vitest';
import { aRequest, json, renderApp } from '../test/render-app';

function aNotification(n: number, read = false) {
  return {
    id: `0190a1b2-0000-7000-8000-00000000010${n}`,
    type: 'request.status_changed',
    title: `Your request is now in progress ${n}`,
    body: '',
    data: { request_id: aRequest().id, status: 'in_progress' },
    read_at: read ? '2026-01-02T12:00:00.000Z' : null,
    created_at: '2026-01-02T11:00:00.000Z',
  };
}

/** The fake notification service: unread ones until read. */
function notificationHandlers(start: ReturnType<typeof aNotification>[]) {
  let items = start;
  return {
    add: (n: ReturnType<typeof aNotification>) => (items = [n, ...items]),
    handlers: {
      'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
      'GET /api/v1/notifications': (request: Request) => {
        const unread = new URL(request.url).searchParams.get('unread') === 'true';
        const shown = unread ? items.filter((n) => n.read_at === null) : items;
        return json(200, { items: shown, total: shown.length, page: 1, page_size: 20 });
      },
      'POST /api/v1/notifications/read-all': () => {
        items = items.map((n) => ({ ...n, read_at: n.read_at ?? '2026-01-02T12:00:00.000Z' }));
        return json(204);
      },
    } as Record<string, (request: Request) => Response>,
  };
}

describe('the notification bell', () => {
  it('says how many are unread in its name, and counts a live one at once', async () => {
    const fake = notificationHandlers([aNotification(1), aNotification(2), aNotification(3, true)]);
    const app = renderApp('/requests', { signedIn: true, handlers: fake.handlers });
    expect(
      await screen.findByRole('button', { name: 'Notifications (2 unread)' }),
    ).toBeInTheDocument();
    // One socket for the whole layout: the bell opens none of its own.
    expect(app.sockets).toHaveLength(1);
    const socket = app.sockets[0]!;
    act(() => socket.open());
    const fresh = aNotification(4);
    fake.add(fresh);
    act(() => socket.frame({ type: 'notification', notification: fresh }));
    expect(
      await screen.findByRole('button', { name: 'Notifications (3 unread)' }),
    ).toBeInTheDocument();
  });

  it('lists them with a link to their request, and marks all read', async () => {
    const fake = notificationHandlers([aNotification(1), aNotification(2, true)]);
    const app = renderApp('/requests', { signedIn: true, handlers: fake.handlers });
    const bell = await screen.findByRole('button', { name: 'Notifications (1 unread)' });
    await app.user.click(bell);
    expect(bell).toHaveAttribute('aria-expanded', 'true');
    const list = await screen.findByRole('list', { name: 'Notifications' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(within(items[0]!).getByRole('link', { name: 'Open the request' })).toHaveAttribute(
      'href',
      `/requests/${aRequest().id}`,
    );
    expect(within(items[0]!).getByRole('button', { name: 'Mark read' })).toBeInTheDocument();
    expect(within(items[1]!).queryByRole('button', { name: 'Mark read' })).toBeNull();
    await app.user.click(screen.getByRole('button', { name: 'Mark all read' }));
    await vi.waitFor(() =>
      expect(app.calls.some((call) => call.path === '/api/v1/notifications/read-all')).toBe(true),
    );
    expect(await screen.findByRole('button', { name: 'Notifications' })).toBeInTheDocument();
    await app.user.keyboard('{Escape}');
    expect(screen.queryByRole('list', { name: 'Notifications' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Notifications' })).toHaveFocus();
  });
});
