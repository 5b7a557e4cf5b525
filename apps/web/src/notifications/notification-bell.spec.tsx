import { act, screen, waitFor } from '@testing-library/react';
import { aRequest, json, renderApp } from '../test/render-app';

const REQUEST = aRequest({ status: 'in_progress' });

function notification(n: number, readAt: string | null = null) {
  return {
    id: `0190a1b2-0000-7000-8000-${String(n).padStart(12, '0')}`,
    type: 'request.status_changed',
    title: `Your request is now in progress (${n})`,
    body: '',
    data: { request_id: REQUEST.id, conversation_id: REQUEST.conversation_id },
    read_at: readAt,
    created_at: '2026-01-02T11:00:00.000Z',
  };
}

describe('the notification bell', () => {
  it('names the unread count, follows the live socket, and opens what a notice is about', async () => {
    let unread = 2;
    const app = renderApp('/requests', {
      signedIn: true,
      handlers: {
        'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
        [`GET /api/v1/requests/${REQUEST.id}`]: () => json(200, REQUEST),
        'GET /api/v1/notifications': (request) =>
          new URL(request.url).searchParams.get('unread') === 'true'
            ? json(200, { items: [], total: unread, page: 1, page_size: 1 })
            : json(200, {
                items: [notification(3), notification(2), notification(1, '2026-01-02T10:00:00Z')],
                total: 3,
                page: 1,
                page_size: 10,
              }),
        [`POST /api/v1/notifications/${notification(3).id}/read`]: () => {
          unread -= 1;
          return json(200, notification(3, '2026-01-02T12:00:00Z'));
        },
      },
    });
    expect(
      await screen.findByRole('button', { name: 'Notifications, 2 unread' }),
    ).toBeInTheDocument();

    const socket = app.sockets.find((s) => s.url.includes('/ws/notifications'))!;
    act(() => socket.open());
    unread = 3;
    act(() => socket.frame({ type: 'notification', notification: notification(3) }));
    const bell = await screen.findByRole('button', { name: 'Notifications, 3 unread' });

    await app.user.click(bell);
    expect(bell).toHaveAttribute('aria-expanded', 'true');
    await app.user.click(
      await screen.findByRole('link', { name: /Your request is now in progress \(3\)/ }),
    );
    expect(await screen.findByRole('heading', { name: 'Dining' })).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Notifications, 2 unread' })).toBeInTheDocument(),
    );
  });
});
