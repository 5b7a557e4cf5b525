import { screen, waitFor, within } from '@testing-library/react';
import { USER, aRequest, json, renderApp } from '../test/render-app';

const AGENT = { ...USER, id: '0190a1b2-0000-7000-8000-0000000000a9', role: 'agent' };
const ADMIN = { ...USER, id: '0190a1b2-0000-7000-8000-0000000000ad', role: 'admin' };

function queueOf(items: Record<string, unknown>[]) {
  return json(200, { items, total: items.length, page: 1, page_size: 20 });
}

describe('the staff console', () => {
  it('offers only the move each status allows, and makes it', async () => {
    let request: Record<string, unknown> & { id: string } = aRequest({ status: 'new' });
    const app = renderApp('/console', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, AGENT),
        'GET /api/v1/admin/requests': () => queueOf([request]),
        [`POST /api/v1/admin/requests/${request.id}/assign`]: () => {
          request = { ...request, status: 'assigned', assignee_id: AGENT.id };
          return json(200, request);
        },
        [`POST /api/v1/admin/requests/${request.id}/status`]: async (sent) => {
          const { status } = (await sent.json()) as { status: string };
          request = { ...request, status };
          return json(200, request);
        },
      },
    });
    const queue = await screen.findByRole('list', { name: 'Request queue' });
    const card = () => within(queue).getAllByRole('listitem')[0]!;
    expect(within(card()).queryByRole('button', { name: 'Start work' })).toBeNull();
    expect(within(card()).queryByRole('button', { name: 'Mark fulfilled' })).toBeNull();

    await app.user.click(within(card()).getByRole('button', { name: 'Assign to me' }));
    await within(queue).findByRole('button', { name: 'Start work' });
    expect(within(card()).queryByRole('button', { name: 'Assign to me' })).toBeNull();
    expect(app.calls.find((call) => call.path.endsWith('/assign'))?.body).toEqual({});

    await app.user.click(within(card()).getByRole('button', { name: 'Start work' }));
    await within(queue).findByRole('button', { name: 'Mark fulfilled' });
    await app.user.click(within(card()).getByRole('button', { name: 'Mark fulfilled' }));
    await waitFor(() => expect(within(card()).getByText('Fulfilled')).toBeInTheDocument());
    expect(within(card()).queryAllByRole('button')).toEqual([]);
    expect(
      app.calls.filter((call) => call.path.endsWith('/status')).map((call) => call.body),
    ).toEqual([{ status: 'in_progress' }, { status: 'fulfilled' }]);
  });

  it('filters by status and by assignee through the API', async () => {
    const app = renderApp('/console', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, AGENT),
        'GET /api/v1/admin/requests': () => queueOf([]),
      },
    });
    await screen.findByText('No request here.');
    await app.user.selectOptions(screen.getByLabelText('Status'), 'In progress');
    await app.user.selectOptions(screen.getByLabelText('Assigned to'), 'Me');
    await waitFor(() =>
      expect(
        app.calls.some(
          (call) =>
            call.url.searchParams.get('status') === 'in_progress' &&
            call.url.searchParams.get('assignee_id') === AGENT.id,
        ),
      ).toBe(true),
    );
  });

  it('lets an admin hand a request to an agent', async () => {
    const request = aRequest({ status: 'new' });
    const app = renderApp('/console', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, ADMIN),
        'GET /api/v1/admin/requests': () => queueOf([request]),
        'GET /api/v1/admin/users': (sent) =>
          json(200, {
            items:
              new URL(sent.url).searchParams.get('role') === 'agent'
                ? [{ ...AGENT, full_name: 'Omar' }]
                : [],
            total: 1,
            page: 1,
            page_size: 100,
          }),
        [`POST /api/v1/admin/requests/${request.id}/assign`]: () =>
          json(200, { ...request, status: 'assigned', assignee_id: AGENT.id }),
      },
    });
    await app.user.selectOptions(await screen.findByLabelText('Assign to'), 'Omar');
    await app.user.click(screen.getByRole('button', { name: 'Assign' }));
    await waitFor(() =>
      expect(app.calls.find((call) => call.path.endsWith('/assign'))?.body).toEqual({
        agent_id: AGENT.id,
      }),
    );
  });

  it('is not for clients', async () => {
    renderApp('/console', {
      signedIn: true,
      handlers: {
        'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
      },
    });
    expect(await screen.findByRole('heading', { name: 'My requests' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Console' })).toBeNull();
  });
});
