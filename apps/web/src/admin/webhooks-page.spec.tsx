import { screen, waitFor, within } from '@testing-library/react';
import { USER, json, renderApp } from '../test/render-app';

const ADMIN = { ...USER, role: 'admin' };
const HOOK = {
  id: '0190a1b2-0000-7000-8000-0000000000c1',
  url: 'https://hooks.example.com/ajla',
  events: ['request.submitted'],
  active: true,
  created_at: '2026-01-02T10:00:00.000Z',
};

describe('webhooks (admins)', () => {
  it('creates one, showing its secret once, and lists its deliveries', async () => {
    let hooks: (typeof HOOK)[] = [];
    const app = renderApp('/admin/webhooks', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, ADMIN),
        'GET /api/v1/admin/webhooks': () =>
          json(200, { items: hooks, total: hooks.length, page: 1, page_size: 100 }),
        'POST /api/v1/admin/webhooks': () => {
          hooks = [HOOK];
          return json(201, { ...HOOK, secret: 'whsec_0123456789abcdef' });
        },
        [`GET /api/v1/admin/webhooks/${HOOK.id}/deliveries`]: () =>
          json(200, {
            items: [
              {
                id: '0190a1b2-0000-7000-8000-0000000000d1',
                event_id: '0190a1b2-0000-7000-8000-0000000000e1',
                event_type: 'request.submitted',
                status: 'failed',
                attempts: [
                  {
                    at: '2026-01-02T10:00:01Z',
                    status_code: 500,
                    latency_ms: 12,
                    error: null,
                    response: null,
                  },
                ],
                next_attempt_at: null,
                created_at: '2026-01-02T10:00:00.000Z',
              },
            ],
            total: 1,
            page: 1,
            page_size: 20,
          }),
      },
    });
    expect(await screen.findByText('No webhook yet.')).toBeInTheDocument();
    await app.user.type(screen.getByLabelText('Address (URL)'), HOOK.url);
    await app.user.click(screen.getByRole('checkbox', { name: 'request.submitted' }));
    await app.user.click(screen.getByRole('button', { name: 'Create webhook' }));

    expect(await screen.findByLabelText('Signing secret')).toHaveValue('whsec_0123456789abcdef');
    expect(app.calls.find((call) => call.method === 'POST')?.body).toEqual({
      url: HOOK.url,
      events: ['request.submitted'],
    });

    const list = await screen.findByRole('list', { name: 'Webhooks' });
    await app.user.click(within(list).getByRole('button', { name: 'Deliveries' }));
    const row = await within(list).findByRole('row', { name: /request\.submitted/ });
    expect(within(row).getByText('Failed')).toBeInTheDocument();
    expect(within(row).getByText('500')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText('Signing secret')).toBeInTheDocument());
  });
});
