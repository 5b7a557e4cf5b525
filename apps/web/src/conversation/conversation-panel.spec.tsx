import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { USER, aRequest, json, renderApp, type Handler } from '../test/render-app';

const REQUEST = aRequest();
const CONVERSATION = REQUEST.conversation_id;
const STAFF = '0190a1b2-0000-7000-8000-0000000000ff';

function message(seq: number, overrides: Record<string, unknown> = {}) {
  return {
    id: `0190a1b2-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    conversation_id: CONVERSATION,
    seq,
    sender_id: USER.id,
    sender_type: 'user',
    content: `message ${seq}`,
    client_id: null,
    created_at: '2026-01-02T10:00:00.000Z',
    ...overrides,
  };
}

/**
 * `GET /api/v1/conversations/{id}` over a conversation of `total` messages, as the service pages
 * it backward (`latest=true`, `before_seq`); `fail` answers 503 while it returns true.
 */
function historyOf(total: number, fail: (url: URL) => boolean = () => false): Handler {
  return (request) => {
    const url = new URL(request.url);
    if (fail(url)) return json(503, { detail: 'Service unavailable', code: 'unavailable' });
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const before = url.searchParams.has('before_seq')
      ? Number(url.searchParams.get('before_seq'))
      : total + 1;
    const from = Math.max(1, before - limit);
    const messages = [];
    for (let seq = from; seq < before; seq++) messages.push(message(seq));
    return json(200, {
      id: CONVERSATION,
      request_id: REQUEST.id,
      user_id: USER.id,
      created_at: '2026-01-02T10:00:00.000Z',
      messages,
      has_more: from > 1,
      last_seq: total,
    });
  };
}

async function openRequestPage(history?: Handler) {
  const app = renderApp(`/requests/${REQUEST.id}`, {
    signedIn: true,
    handlers: {
      [`GET /api/v1/requests/${REQUEST.id}`]: () => json(200, REQUEST),
      ...(history ? { [`GET /api/v1/conversations/${CONVERSATION}`]: history } : {}),
    },
  });
  await screen.findByRole('heading', { name: 'Conversation' });
  const chat = () => {
    const sockets = app.sockets.filter((s) => s.url.includes('/ws/chat/'));
    return sockets[sockets.length - 1]!;
  };
  await waitFor(() => expect(chat()).toBeDefined());
  const messages = () => screen.getByRole('list', { name: 'Conversation history' });
  return { app, chat, messages };
}

describe('the conversation', () => {
  it('without its newest page, connects from the start and shows every message as it comes', async () => {
    const { chat, messages } = await openRequestPage();
    expect(chat().url).toBe(`ws://localhost:3000/ws/chat/${CONVERSATION}?after_seq=0`);
    expect(chat().protocols).toEqual(['bearer', 'access-1']);
    expect(screen.getByText('Connecting…')).toBeInTheDocument();

    act(() => chat().open());
    expect(await screen.findByText('Connected')).toBeInTheDocument();
    act(() => {
      chat().frame({ type: 'message', message: message(1, { content: 'A table for four' }) });
      chat().frame({
        type: 'message',
        message: message(2, {
          sender_id: STAFF,
          sender_type: 'admin',
          content: 'تم الحجز 🎉 Supercalifragilisticexpialidocious',
        }),
      });
    });
    const items = await within(messages()).findAllByRole('listitem');
    expect(items.map((item) => item.querySelector('.sender')?.textContent)).toEqual([
      'You',
      'Concierge',
    ]);
    expect(within(items[1]!).getByText(/تم الحجز 🎉/)).toHaveAttribute('dir', 'auto');
  });

  it('sends a message once, with a client_id, and shows it pending until stored', async () => {
    const { app, chat, messages } = await openRequestPage();
    act(() => chat().open());
    await app.user.type(screen.getByLabelText('Message'), 'Could we make it 9 pm?');
    await app.user.click(screen.getByRole('button', { name: 'Send' }));

    const sent = chat()
      .sent.map(
        (data) => JSON.parse(data) as { type: string; client_id?: string; content?: string },
      )
      .filter((frame) => frame.type === 'message.send');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.content).toBe('Could we make it 9 pm?');
    expect(sent[0]!.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(within(messages()).getByText(/Not sent yet/)).toBeInTheDocument();
    expect(screen.getByLabelText('Message')).toHaveValue('');

    act(() =>
      chat().frame({
        type: 'ack',
        client_id: sent[0]!.client_id,
        message: message(2, { content: 'Could we make it 9 pm?', client_id: sent[0]!.client_id }),
      }),
    );
    await waitFor(() => expect(within(messages()).queryByText(/Not sent yet/)).toBeNull());
    expect(within(messages()).getAllByText('Could we make it 9 pm?')).toHaveLength(1);
  });

  it('keeps what is typed while offline in the outbox and sends it on connecting', async () => {
    const { app, chat } = await openRequestPage();
    await app.user.type(screen.getByLabelText('Message'), 'Sent while offline{Enter}');
    expect(chat().sent).toEqual([]);
    // Kept across a reload too.
    expect(localStorage.getItem(`ajla.outbox.${CONVERSATION}`)).toContain('Sent while offline');

    act(() => chat().open());
    const frames = chat().sent.map(
      (data) => JSON.parse(data) as { type: string; content?: string },
    );
    expect(frames.filter((f) => f.type === 'message.send').map((f) => f.content)).toEqual([
      'Sent while offline',
    ]);
  });

  it('stops sending a message the server refused, and lets its writer try again or discard it', async () => {
    const { app, chat, messages } = await openRequestPage();
    const first = chat();
    act(() => first.open());
    await app.user.type(screen.getByLabelText('Message'), 'Refused one{Enter}');
    const sends = (socket: ReturnType<typeof chat>) =>
      socket.sent
        .map((data) => JSON.parse(data) as { type: string; client_id?: string })
        .filter((frame) => frame.type === 'message.send');
    const clientId = sends(first)[0]!.client_id!;
    act(() =>
      first.frame({
        type: 'error',
        code: 'content_too_long',
        detail: 'content must be at most 4000 characters',
        client_id: clientId,
      }),
    );
    expect(
      await within(messages()).findByText('Not sent: content must be at most 4000 characters'),
    ).toBeInTheDocument();

    // A reconnection does not send it again.
    act(() => first.drop(1006));
    await waitFor(() => expect(chat()).not.toBe(first));
    act(() => chat().open());
    expect(sends(chat())).toEqual([]);

    // Asked to, it goes again, with the same client_id (still exactly once).
    await app.user.click(within(messages()).getByRole('button', { name: 'Try again' }));
    expect(sends(chat()).map((frame) => frame.client_id)).toEqual([clientId]);
    expect(within(messages()).getByText(/Not sent yet/)).toBeInTheDocument();

    act(() =>
      chat().frame({ type: 'error', code: 'internal', detail: 'Failed', client_id: clientId }),
    );
    await app.user.click(await within(messages()).findByRole('button', { name: 'Discard' }));
    expect(within(messages()).queryByText('Refused one')).toBeNull();
    expect(localStorage.getItem(`ajla.outbox.${CONVERSATION}`)).toBeNull();
  });

  it('reconnects after a drop, resuming after the last message it saw', async () => {
    const { chat } = await openRequestPage();
    const first = chat();
    act(() => first.open());
    act(() => {
      first.frame({ type: 'message', message: message(1) });
      first.frame({ type: 'message', message: message(2) });
    });
    act(() => first.drop(1001)); // the server restarts
    expect(await screen.findByText('Reconnecting… messages wait to be sent')).toBeInTheDocument();
    await waitFor(() => expect(chat()).not.toBe(first));
    expect(chat().url).toBe(`ws://localhost:3000/ws/chat/${CONVERSATION}?after_seq=2`);
  });

  it('shows the other side typing, says when it types, and tells what it has read', async () => {
    const { app, chat } = await openRequestPage();
    act(() => chat().open());
    act(() => chat().frame({ type: 'message', message: message(1) }));
    act(() => chat().frame({ type: 'typing', user_id: STAFF, is_typing: true }));
    expect(await screen.findByText('Typing…')).toBeInTheDocument();

    await app.user.type(screen.getByLabelText('Message'), 'H');
    const frames = () => chat().sent.map((data) => JSON.parse(data) as Record<string, unknown>);
    expect(frames()).toContainEqual({ type: 'typing', is_typing: true });
    expect(frames()).toContainEqual({ type: 'read', seq: 1 });

    act(() => chat().frame({ type: 'read', user_id: STAFF, seq: 1 }));
    expect(await screen.findByText('Seen')).toBeInTheDocument();
  });

  /** The list laid out as a browser would: `height` px per message, a 500 px box. */
  function layOut(list: HTMLElement, height = 100) {
    let top = 0;
    Object.defineProperties(list, {
      clientHeight: { configurable: true, get: () => 500 },
      scrollHeight: {
        configurable: true,
        get: () => list.querySelectorAll('li').length * height,
      },
      scrollTop: {
        configurable: true,
        get: () => top,
        set: (value: number) => {
          top = Math.max(0, Math.min(value, list.scrollHeight - 500));
        },
      },
    });
  }
  const seqsOf = (list: HTMLElement) =>
    within(list)
      .getAllByRole('listitem')
      .map((item) => Number(/message (\d+)/.exec(item.textContent ?? '')?.[1]));
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('opens on the newest page and goes live from its last message', async () => {
    const { app, chat, messages } = await openRequestPage(historyOf(300));
    const first = app.calls.find((call) => call.path === `/api/v1/conversations/${CONVERSATION}`);
    expect(Object.fromEntries(first!.url.searchParams)).toEqual({ latest: 'true', limit: '50' });
    await waitFor(() => expect(seqsOf(messages())).toEqual(range(251, 300)));
    expect(chat().url).toBe(`ws://localhost:3000/ws/chat/${CONVERSATION}?after_seq=300`);
    expect(messages()).toHaveAttribute('aria-busy', 'false');
    expect(messages()).toHaveAttribute('tabindex', '0');
  });

  it('loads older pages as the reader scrolls to the top, keeping the place, until the start', async () => {
    const { app, chat, messages } = await openRequestPage(historyOf(120));
    await waitFor(() => expect(seqsOf(messages())).toHaveLength(50));
    const list = messages();
    layOut(list);
    act(() => chat().open());

    // Half-way up: nothing yet.
    list.scrollTop = 2000;
    fireEvent.scroll(list);
    // At the top: the page before seq 71, above what is shown, which stays in place.
    list.scrollTop = 100;
    fireEvent.scroll(list);
    await waitFor(() => expect(seqsOf(messages())).toEqual(range(21, 120)));
    const older = app.calls.filter((c) => c.url.searchParams.has('before_seq'));
    expect(older.map((c) => Object.fromEntries(c.url.searchParams))).toEqual([
      { before_seq: '71', limit: '50' },
    ]);
    expect(list.scrollTop).toBe(100 + 50 * 100);

    list.scrollTop = 0;
    fireEvent.scroll(list);
    fireEvent.scroll(list); // one page at a time
    await waitFor(() => expect(seqsOf(messages())).toEqual(range(1, 120)));
    expect(list.scrollTop).toBe(20 * 100);
    expect(await screen.findByText('Start of the conversation')).toBeInTheDocument();
    list.scrollTop = 0;
    fireEvent.scroll(list);
    expect(app.calls.filter((c) => c.url.searchParams.has('before_seq'))).toHaveLength(2);

    // The socket still resumes from the newest message held.
    act(() => chat().frame({ type: 'message', message: message(121) }));
    const socket = chat();
    act(() => socket.drop(1001));
    await waitFor(() => expect(chat()).not.toBe(socket));
    expect(chat().url).toBe(`ws://localhost:3000/ws/chat/${CONVERSATION}?after_seq=121`);
  });

  it('keeps to the bottom as live messages come, unless the reader scrolled up', async () => {
    const { chat, messages } = await openRequestPage(historyOf(60));
    await waitFor(() => expect(seqsOf(messages())).toHaveLength(50));
    const list = messages();
    layOut(list);
    act(() => chat().open());
    list.scrollTop = list.scrollHeight;
    fireEvent.scroll(list);

    act(() => chat().frame({ type: 'message', message: message(61) }));
    await waitFor(() => expect(seqsOf(list).at(-1)).toBe(61));
    expect(list.scrollTop).toBe(list.scrollHeight - 500);

    list.scrollTop = 2500;
    fireEvent.scroll(list);
    act(() => chat().frame({ type: 'message', message: message(62) }));
    await waitFor(() => expect(seqsOf(list).at(-1)).toBe(62));
    expect(list.scrollTop).toBe(2500);
  });

  it('says when older messages could not be loaded, and tries again on scrolling up', async () => {
    let down = true;
    const { messages } = await openRequestPage(
      historyOf(80, (url) => down && url.searchParams.has('before_seq')),
    );
    await waitFor(() => expect(seqsOf(messages())).toHaveLength(50));
    const list = messages();
    layOut(list);
    list.scrollTop = 0;
    fireEvent.scroll(list);
    expect(
      await screen.findByText('Older messages could not be loaded: scroll up to try again.'),
    ).toBeInTheDocument();
    down = false;
    fireEvent.scroll(list);
    await waitFor(() => expect(seqsOf(messages())).toEqual(range(1, 80)));
  });
});
