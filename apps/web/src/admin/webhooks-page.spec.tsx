import { screen, within } from '@testing-library/react';
import { vi } from 'vitest';
import { USER, json, renderApp } from '../test/render-app';

const ADMIN = { ...USER, role: 'admin' };
const SECRET = 'whsec_c2VjcmV0LXNob3duLW9uY2UtYW5kLW5ldmVyLWFnYWluIQ==';
const HOOK = {
  id: '0190a1b2-0000-7000-8000-0000000000f1',
  url: 'https://hooks.example.com/ajla',
  events: ['request.submitted'],
  active: true,
  created_at: '2026-01-02T10:00:00.000Z',
  disabled_at: null,
  disabled_reason: null,
};

function admin() {
  let hooks: (typeof HOOK)[] = [];
  return {
    'GET /api/v1/users/me': () => json(200, ADMIN),
    'GET /api/v1/notifications': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
    'GET /api/v1/admin/webhooks': () =>
      json(200, { items: hooks, total: hooks.length, page: 1, page_size: 100 }),
    'POST /api/v1/admin/webhooks': () => {
      hooks = [HOOK];
      return json(201, { ...HOOK, secret: SECRET });
    },
    [`PATCH /api/v1/admin/webhooks/${HOOK.id}`]: async (request: Request) => {
      const body = (await request.json()) as { active: boolean };
      hooks = [{ ...HOOK, active: body.active }];
      return json(200, hooks[0]);
    },
  };
}

describe('webhooks (admin)', () => {
  it('is for admins only', async () => {
    renderApp('/admin/webhooks', { signedIn: true });
    expect(
      await screen.findByRole('heading', { name: 'This page is for administrators.' }),
    ).toBeInTheDocument();
  });

  it('shows the new secret once, with a warning and a copy button, then never again', async () => {
    const app = renderApp('/admin/webhooks', { signedIn: true, handlers: admin() });
    // user-event puts a clipboard stub in place: watch it.
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    await screen.findByText('No webhook yet.');
    await app.user.type(screen.getByLabelText('Receiver URL'), HOOK.url);
    await app.user.click(screen.getByRole('button', { name: 'Create webhook' }));

    const box = await screen.findByRole('region', { name: 'Signing secret' });
    expect(box).toHaveAccessibleDescription(/shown only this once/);
    expect(within(box).getByLabelText('Signing secret')).toHaveValue(SECRET);
    await app.user.click(within(box).getByRole('button', { name: 'Copy secret' }));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(within(box).getByRole('status')).toHaveTextContent('Copied.');
    expect(app.calls.find((call) => call.method === 'POST')!.body).toEqual({
      url: HOOK.url,
      events: ['request.submitted'],
    });

    const list = await screen.findByRole('list', { name: 'Webhooks' });
    expect(within(list).getByText(HOOK.url)).toBeInTheDocument();
    expect(within(list).queryByText(SECRET)).toBeNull();
    await app.user.click(within(box).getByRole('button', { name: 'I have saved the secret' }));
    expect(screen.queryByRole('region', { name: 'Signing secret' })).toBeNull();
    expect(document.body.innerHTML).not.toContain(SECRET);
    // Nor does it come back on returning to the page.
    await app.router.navigate('/admin/staff');
    await app.router.navigate('/admin/webhooks');
    await screen.findByRole('list', { name: 'Webhooks' });
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(
      JSON.stringify(
        app.services.queryClient
          .getQueryCache()
          .getAll()
          .map((q) => q.state.data),
      ),
    ).not.toContain(SECRET);
  });

  it('turns a webhook off and on', async () => {
    const handlers = admin();
    const app = renderApp('/admin/webhooks', { signedIn: true, handlers });
    await screen.findByText('No webhook yet.');
    await app.user.type(screen.getByLabelText('Receiver URL'), HOOK.url);
    await app.user.click(screen.getByRole('button', { name: 'Create webhook' }));
    await app.user.click(await screen.findByRole('button', { name: `Turn off: ${HOOK.url}` }));
    expect(await screen.findByRole('button', { name: `Turn on: ${HOOK.url}` })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: `Send test event: ${HOOK.url}` })).toBeDisabled();
    const patch = app.calls.find((call) => call.method === 'PATCH')!;
    expect(patch.body).toEqual({ active: false });
  });
  it("lists a webhook's deliveries with their attempts, and redelivers a failed one", async () => {
    const DELIVERY = {
      id: '0190a1b2-0000-7000-8000-0000000000d1',
      event_id: '0190a1b2-0000-7000-8000-0000000000e1',
      event_type: 'request.submitted',
      status: 'failed',
      attempts: [
        {
          at: '2026-01-02T10:00:00.000Z',
          status_code: 500,
          latency_ms: 12,
          error: null,
          response: null,
        },
        {
          at: '2026-01-02T10:01:00.000Z',
          status_code: null,
          latency_ms: 3000,
          error: 'timeout',
          response: null,
        },
      ],
      next_attempt_at: null,
      created_at: '2026-01-02T10:00:00.000Z',
    };
    const app = renderApp(`/admin/webhooks/${HOOK.id}`, {
      signedIn: true,
      handlers: {
        ...admin(),
        'GET /api/v1/admin/webhooks': () =>
          json(200, { items: [HOOK], total: 1, page: 1, page_size: 100 }),
        [`GET /api/v1/admin/webhooks/${HOOK.id}/deliveries`]: () =>
          json(200, { items: [DELIVERY], total: 1, page: 1, page_size: 20 }),
        [`POST /api/v1/admin/webhooks/${HOOK.id}/deliveries/${DELIVERY.id}/redeliver`]: () =>
          json(202, { ...DELIVERY, status: 'pending' }),
      },
    });
    expect(
      await screen.findByRole('heading', { name: `Deliveries to ${HOOK.url}` }),
    ).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Deliveries' });
    expect(within(table).getByText('Failed')).toBeInTheDocument();
    expect(within(table).getByText('Attempts: 2')).toBeInTheDocument();
    expect(within(table).getByText('timeout')).toBeInTheDocument();
    await app.user.click(
      within(table).getByRole('button', { name: /^Redeliver: request\.submitted/ }),
    );
    expect(await screen.findByText('Queued again.')).toBeInTheDocument();
    expect(
      app.calls.some((call) => call.method === 'POST' && call.path.endsWith('/redeliver')),
    ).toBe(true);
  });
});
