import { act, screen, waitFor, within } from '@testing-library/react';
import { USER, aRequest, json, renderApp } from '../test/render-app';

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

async function openRequestPage() {
  const app = renderApp(`/requests/${REQUEST.id}`, {
    signedIn: true,
    handlers: { [`GET /api/v1/requests/${REQUEST.id}`]: () => json(200, REQUEST) },
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
  it('connects from the start, shows the connection and every message as it comes', async () => {
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
});
