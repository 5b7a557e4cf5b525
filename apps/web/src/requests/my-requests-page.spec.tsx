import { act, screen, within } from '@testing-library/react';
import { vi } from 'vitest';
import { aRequest, json, renderApp } from '../test/render-app';

describe('my requests', () => {
  it('lists the requests with their status, Arabic and long words included', async () => {
    const longWord = 'x'.repeat(300);
    renderApp('/requests', {
      signedIn: true,
      handlers: {
        'GET /api/v1/requests': () =>
          json(200, {
            items: [
              aRequest({
                id: 'a',
                type: 'travel',
                status: 'in_progress',
                description: 'رحلة إلى دبي 🌴',
              }),
              aRequest({ id: 'b', status: 'fulfilled', description: longWord }),
            ],
            total: 2,
            page: 1,
            page_size: 20,
          }),
      },
    });
    const list = await screen.findByRole('list', { name: 'My requests' });
    const cards = within(list).getAllByRole('listitem');
    expect(within(cards[0]!).getByRole('link', { name: 'Travel' })).toHaveAttribute(
      'href',
      '/requests/a',
    );
    expect(within(cards[0]!).getByText('In progress')).toBeInTheDocument();
    expect(within(cards[0]!).getByText('رحلة إلى دبي 🌴')).toHaveAttribute('dir', 'auto');
    expect(within(cards[1]!).getByText('Fulfilled')).toBeInTheDocument();
    // A fulfilled request can no longer be cancelled.
    expect(within(cards[1]!).queryByRole('button', { name: 'Cancel request' })).toBeNull();
  });

  it('cancels a request after confirmation and shows its new status', async () => {
    let status = 'new';
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const app = renderApp('/requests', {
      signedIn: true,
      handlers: {
        'GET /api/v1/requests': () =>
          json(200, { items: [aRequest({ status })], total: 1, page: 1, page_size: 20 }),
        [`POST /api/v1/requests/${aRequest().id}/cancel`]: () => {
          status = 'cancelled';
          return json(200, aRequest({ status }));
        },
      },
    });
    await app.user.click(await screen.findByRole('button', { name: 'Cancel request' }));
    const list = screen.getByRole('list', { name: 'My requests' });
    expect(await within(list).findByText('Cancelled')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel request' })).toBeNull();
  });

  it('shows a status change as soon as the notifications socket tells of it', async () => {
    let status = 'new';
    const app = renderApp('/requests', {
      signedIn: true,
      handlers: {
        'GET /api/v1/requests': () =>
          json(200, { items: [aRequest({ status })], total: 1, page: 1, page_size: 20 }),
      },
    });
    const list = await screen.findByRole('list', { name: 'My requests' });
    expect(within(list).getByText('New')).toBeInTheDocument();
    const socket = app.sockets[0]!;
    expect(socket.url).toBe('ws://localhost:3000/ws/notifications');
    expect(socket.protocols).toEqual(['bearer', 'access-1']);
    act(() => socket.open());
    // Opening reads the list again (changes missed while away); then staff move the request.
    const reads = () => app.calls.filter((call) => call.path === '/api/v1/requests').length;
    await vi.waitFor(() => expect(reads()).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = 'in_progress';
    act(() =>
      socket.frame({
        type: 'notification',
        notification: {
          id: '0190a1b2-0000-7000-8000-0000000000ee',
          type: 'request.status_changed',
          title: 'Your request is now in progress',
          body: '',
          data: { request_id: aRequest().id, status: 'in_progress' },
          read_at: null,
          created_at: '2026-01-02T11:00:00.000Z',
        },
      }),
    );
    // Well before the next poll (10 s): the socket brought it.
    expect(await within(list).findByText('In progress')).toBeInTheDocument();
  });

  it('filters by status through the query', async () => {
    const app = renderApp('/requests', {
      signedIn: true,
      handlers: {
        'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
      },
    });
    await screen.findByText('You have no requests yet.', { exact: false });
    await app.user.selectOptions(screen.getByLabelText('Show'), 'Fulfilled');
    await vi.waitFor(() =>
      expect(app.calls.some((call) => call.url.searchParams.get('status') === 'fulfilled')).toBe(
        true,
      ),
    );
  });
});
