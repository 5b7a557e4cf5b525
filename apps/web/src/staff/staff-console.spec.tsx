import { act, screen, within } from '@testing-library/react';
import { vi } from 'vitest';
import { i18n } from '../i18n/i18n';
import { USER, aRequest, json, renderApp } from '../test/render-app';

const AGENT = { ...USER, id: '0190a1b2-0000-7000-8000-0000000000a9', role: 'agent' };
const ID = aRequest().id;
const page = (items: unknown[]) =>
  json(200, { items, total: items.length, page: 1, page_size: 20 });
const MOVE_NAMES = ['Assign to me', 'Start work', 'Mark fulfilled'];

function staffHandlers(request: Record<string, unknown>) {
  return {
    'GET /api/v1/users/me': () => json(200, AGENT),
    'GET /api/v1/admin/requests': () => page([request]),
    [`GET /api/v1/requests/${ID}`]: () => json(200, request),
    'GET /api/v1/notifications': () => page([]),
    'GET /api/v1/conversations/unread': () => json(200, { items: [] }),
  };
}

async function offeredMoves(): Promise<string[]> {
  const pane = await screen.findByRole('article');
  await within(pane).findByText(/Submitted/);
  return MOVE_NAMES.filter((name) => within(pane).queryByRole('button', { name }) !== null);
}

describe('the staff console', () => {
  it('is not for clients', async () => {
    renderApp('/staff', { signedIn: true });
    expect(
      await screen.findByRole('heading', { name: 'This page is for concierge staff.' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Queue' })).toBeNull();
  });

  it('lists the queue and filters it by status and assignee through the query', async () => {
    const app = renderApp('/staff', {
      signedIn: true,
      handlers: staffHandlers(aRequest({ description: 'Opera tickets' })),
    });
    const queue = await screen.findByRole('list', { name: 'Queue' });
    expect(within(queue).getByText('Opera tickets')).toBeInTheDocument();
    expect(within(queue).getByText('Assigned to: Unassigned')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Queue' })).toBeInTheDocument(); // in the header

    await app.user.selectOptions(screen.getByLabelText('Status'), 'In progress');
    await app.user.selectOptions(screen.getByLabelText('Assignee'), 'Me');
    await vi.waitFor(() => {
      const last = app.calls.filter((call) => call.path === '/api/v1/admin/requests').at(-1)!;
      expect(last.url.searchParams.get('status')).toBe('in_progress');
      expect(last.url.searchParams.get('assignee_id')).toBe(AGENT.id);
    });
    expect(app.router.state.location.search).toBe('?status=in_progress&assignee=me');
  });

  it.each([
    ['new', null, ['Assign to me']],
    ['assigned', AGENT.id, ['Start work']],
    ['assigned', 'someone-else', ['Assign to me', 'Start work']],
    ['in_progress', AGENT.id, ['Mark fulfilled']],
    ['fulfilled', AGENT.id, []],
    ['cancelled', null, []],
  ])('offers only the moves a %s request (assignee %s) allows', async (status, assignee, moves) => {
    renderApp(`/staff/requests/${ID}`, {
      signedIn: true,
      handlers: staffHandlers(aRequest({ status, assignee_id: assignee })),
    });
    expect(await offeredMoves()).toEqual(moves);
    if (moves.length === 0) {
      expect(screen.getByText('Nothing more to do: this request is closed.')).toBeInTheDocument();
    }
  });

  it('assigns to me, then starts work, each shown at once', async () => {
    let request = aRequest();
    const app = renderApp(`/staff/requests/${ID}`, {
      signedIn: true,
      handlers: {
        ...staffHandlers(request),
        'GET /api/v1/admin/requests': () => page([request]),
        [`GET /api/v1/requests/${ID}`]: () => json(200, request),
        [`POST /api/v1/admin/requests/${ID}/assign`]: () => {
          request = aRequest({ status: 'assigned', assignee_id: AGENT.id });
          return json(200, request);
        },
        [`POST /api/v1/admin/requests/${ID}/status`]: () => {
          request = aRequest({ status: 'in_progress', assignee_id: AGENT.id });
          return json(200, request);
        },
      },
    });
    const pane = await screen.findByRole('article');
    await app.user.click(await within(pane).findByRole('button', { name: 'Assign to me' }));
    await app.user.click(await within(pane).findByRole('button', { name: 'Start work' }));
    expect(await within(pane).findByRole('button', { name: 'Mark fulfilled' })).toBeEnabled();
    expect(within(pane).getByText('In progress')).toBeInTheDocument();
    const assign = app.calls.find((call) => call.path.endsWith('/assign'))!;
    expect(assign.body).toEqual({});
    const move = app.calls.find((call) => call.path.endsWith('/status'))!;
    expect(move.body).toEqual({ status: 'in_progress' });
  });

  it('shows a 409 clearly and the request as it now is', async () => {
    let request = aRequest({ status: 'assigned', assignee_id: AGENT.id });
    const app = renderApp(`/staff/requests/${ID}`, {
      signedIn: true,
      handlers: {
        ...staffHandlers(request),
        [`GET /api/v1/requests/${ID}`]: () => json(200, request),
        [`POST /api/v1/admin/requests/${ID}/status`]: () => {
          request = aRequest({ status: 'cancelled', assignee_id: AGENT.id }); // the client cancelled
          return json(409, {
            detail: 'cannot move a request from cancelled to in_progress',
            code: 'transition_not_allowed',
          });
        },
      },
    });
    const pane = await screen.findByRole('article');
    await app.user.click(await within(pane).findByRole('button', { name: 'Start work' }));
    expect(await within(pane).findByRole('alert')).toHaveTextContent(
      'Someone else changed this request first',
    );
    expect(await within(pane).findByText('Cancelled')).toBeInTheDocument();
    expect(within(pane).queryByRole('button', { name: 'Start work' })).toBeNull();
  });
  it('lets an admin hand a request to an agent', async () => {
    const ADMIN = { ...USER, id: '0190a1b2-0000-7000-8000-0000000000ad', role: 'admin' };
    const OMAR = { ...AGENT, full_name: 'Omar' };
    const request = aRequest();
    const app = renderApp(`/staff/requests/${ID}`, {
      signedIn: true,
      handlers: {
        ...staffHandlers(request),
        'GET /api/v1/users/me': () => json(200, ADMIN),
        'GET /api/v1/admin/users': (sent) => {
          const items = new URL(sent.url).searchParams.get('role') === 'agent' ? [OMAR] : [ADMIN];
          return json(200, { items, total: 1, page: 1, page_size: 100 });
        },
        [`POST /api/v1/admin/requests/${ID}/assign`]: () =>
          json(200, { ...request, status: 'assigned', assignee_id: OMAR.id }),
      },
    });
    const pane = await screen.findByRole('article');
    await app.user.selectOptions(await within(pane).findByLabelText('Assign to'), 'Omar (Agent)');
    await app.user.click(within(pane).getByRole('button', { name: 'Assign' }));
    await vi.waitFor(() =>
      expect(app.calls.find((call) => call.path.endsWith('/assign'))?.body).toEqual({
        agent_id: OMAR.id,
      }),
    );
  });

  it('shows the live conversation of the request beside it', async () => {
    const request = aRequest();
    const app = renderApp(`/staff/requests/${ID}`, {
      signedIn: true,
      handlers: staffHandlers(request),
    });
    const pane = await screen.findByRole('article');
    expect(await within(pane).findByRole('heading', { name: 'Conversation' })).toBeInTheDocument();
    await vi.waitFor(() =>
      expect(app.sockets.some((s) => s.url.includes(`/ws/chat/${request.conversation_id}`))).toBe(
        true,
      ),
    );
  });
});

describe('the staff console, live', () => {
  it('reads the queue again when the socket tells of a new request', async () => {
    let items = [aRequest({ description: 'Opera tickets' })];
    const app = renderApp('/staff', {
      signedIn: true,
      handlers: {
        ...staffHandlers(items[0]!),
        'GET /api/v1/admin/requests': () => page(items),
      },
    });
    const queue = await screen.findByRole('list', { name: 'Queue' });
    const socket = app.sockets[0]!;
    act(() => socket.open());
    // Opening reads the queue again (what was missed while away); then a client submits.
    const reads = () => app.calls.filter((call) => call.path === '/api/v1/admin/requests').length;
    await vi.waitFor(() => expect(reads()).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(within(queue).queryByText('A chauffeur at 6')).toBeNull();
    const fresh = aRequest({ id: 'b', description: 'A chauffeur at 6' });
    items = [...items, fresh];
    act(() =>
      socket.frame({
        type: 'notification',
        notification: {
          id: '0190a1b2-0000-7000-8000-0000000000ef',
          type: 'request.submitted',
          title: 'New request',
          body: '',
          data: { request_id: 'b' },
          read_at: null,
          created_at: '2026-01-02T11:00:00.000Z',
        },
      }),
    );
    // Long before the next poll (30 s): the socket brought it.
    expect(await within(queue).findByText('A chauffeur at 6')).toBeInTheDocument();
  });
});

describe('the staff console, unread messages', () => {
  const first = aRequest({ description: 'Opera tickets' });
  const second = aRequest({
    id: '0190a1b2-0000-7000-8000-0000000000bb',
    description: 'A chauffeur at 6',
    conversation_id: '0190a1b2-0000-7000-8000-0000000000dd',
  });
  const counts = (a: number, b: number) =>
    json(200, {
      items: [
        { conversation_id: first.conversation_id, unread: a, last_seq: 4, read_seq: 4 - a },
        { conversation_id: second.conversation_id, unread: b, last_seq: 1, read_seq: 1 - b },
      ],
    });
  const row = async (text: string) =>
    (await within(await screen.findByRole('list', { name: 'Queue' })).findByText(text)).closest(
      'li',
    )!;

  it("shows on each row how many of its conversation's messages I have not read", async () => {
    const app = renderApp('/staff', {
      signedIn: true,
      handlers: {
        ...staffHandlers(first),
        'GET /api/v1/admin/requests': () => page([first, second]),
        'GET /api/v1/conversations/unread': () => counts(3, 0),
      },
    });
    const opera = await row('Opera tickets');
    expect(await within(opera).findByText('3 unread messages')).toBeInTheDocument();
    expect(within(opera).getByText('3')).toHaveAttribute('aria-hidden', 'true');
    expect(within(await row('A chauffeur at 6')).queryByText(/unread/)).toBeNull();
    // One call for the whole page of the queue.
    const asked = app.calls.filter((call) => call.path === '/api/v1/conversations/unread');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.url.searchParams.get('ids')!.split(',').sort()).toEqual(
      [first.conversation_id, second.conversation_id].sort(),
    );
  });

  it('reads the counts again by itself: a new message shows, a conversation read clears', async () => {
    let answer = counts(1, 0);
    renderApp(`/staff/requests/${first.id}`, {
      signedIn: true,
      handlers: {
        ...staffHandlers(first),
        'GET /api/v1/admin/requests': () => page([first, second]),
        'GET /api/v1/conversations/unread': () => answer.clone(),
      },
    });
    const opera = await row('Opera tickets');
    expect(await within(opera).findByText('1 unread message')).toBeInTheDocument();
    // The client writes twice more; then the open conversation is read (its socket's read mark).
    answer = counts(3, 1);
    expect(
      await within(opera).findByText('3 unread messages', {}, { timeout: 4000 }),
    ).toBeInTheDocument();
    expect(within(await row('A chauffeur at 6')).getByText('1 unread message')).toBeInTheDocument();
    answer = counts(0, 1);
    await vi.waitFor(() => expect(within(opera).queryByText(/unread/)).toBeNull(), {
      timeout: 4000,
    });
  });

  it('says it in Arabic with the right plural form', () => {
    const say = (count: number) => i18n.t('staff.unreadMessages', { count, lng: 'ar' });
    expect([1, 2, 3, 11, 100].map(say)).toEqual([
      'رسالة واحدة غير مقروءة',
      'رسالتان غير مقروءتين',
      '3 رسائل غير مقروءة',
      '11 رسالة غير مقروءة',
      '100 رسالة غير مقروءة',
    ]);
  });
});
