import { useCallback, useEffect, useRef, useState } from 'react';
import { unwrap } from '../api/client';
import { LiveSocket, type ConnectionState } from '../realtime/live-socket';
import { useServices } from '../services';
import {
  emptyView,
  withMessages,
  withOlderPage,
  withOlderState,
  withDiscarded,
  withPending,
  withRead,
  withRefused,
  withRetried,
  withTyping,
  type ConversationView,
  type Message,
} from './conversation-model';
import { loadOutbox, newClientId, saveOutbox } from './outbox';

/** Messages per page of history: the newest on opening, then each older one on scrolling up. */
export const HISTORY_PAGE_SIZE = 50;

/** While typing, "typing" is said again this often (the others show it for 6 s). */
const TYPING_REPEAT_MS = 3000;

type Frame =
  | { type: 'message'; message: Message }
  | { type: 'ack'; client_id: string; message: Message }
  | { type: 'typing'; user_id: string; is_typing: boolean }
  | { type: 'read'; user_id: string; seq: number }
  | { type: 'error'; code: string; detail: string; client_id?: string }
  | { type: string };

function chatUrl(conversationId: string, afterSeq: number): string {
  const url = new URL(`/ws/chat/${encodeURIComponent(conversationId)}`, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('after_seq', String(afterSeq));
  return url.toString();
}

/**
 * A conversation, opened on its newest page (`GET /api/v1/conversations/{id}?latest=true`), older
 * pages fetched on demand (`loadOlder`, `before_seq` = the first seq held), and live:
 * `/ws/chat/{id}` from the newest seq held (the server replays what was missed, then live
 * messages: no gap, no duplicate), reconnecting on its own. Messages typed
 * while the socket is down wait in the outbox and are sent on every (re)connect until stored;
 * their client_id makes that exactly once.
 */
export function useConversation(conversationId: string) {
  const { api, session, createSocket } = useServices();
  const [view, setView] = useState<ConversationView>(() => emptyView(loadOutbox(conversationId)));
  const [state, setState] = useState<ConnectionState>('connecting');
  const socket = useRef<LiveSocket | undefined>(undefined);
  const lastSeq = useRef(0);
  const pending = useRef(view.pending);
  const typingSentAt = useRef(0);
  const readSent = useRef(0);
  const current = useRef(view);
  pending.current = view.pending;
  current.current = view;

  useEffect(() => {
    let incoming: Message[] = [];
    const flush = () => {
      const batch = incoming;
      incoming = [];
      setView((current) => withMessages(current, batch));
    };
    // A resumed socket may replay thousands of messages: one state change per burst.
    const receive = (message: Message) => {
      if (incoming.length === 0) queueMicrotask(flush);
      incoming.push(message);
      lastSeq.current = Math.max(lastSeq.current, message.seq);
    };
    const live = new LiveSocket({
      url: () => chatUrl(conversationId, lastSeq.current),
      token: (fresh) => session.socketToken(fresh),
      createSocket,
      onState: setState,
      onOpen: () => {
        readSent.current = 0;
        for (const p of pending.current) {
          if (p.refused) continue;
          live.send({ type: 'message.send', content: p.content, client_id: p.client_id });
        }
      },
      onFrame: (raw) => {
        const frame = raw as Frame;
        if ((frame.type === 'message' || frame.type === 'ack') && 'message' in frame) {
          receive(frame.message);
        } else if (frame.type === 'typing' && 'user_id' in frame && 'is_typing' in frame) {
          setView((current) => withTyping(current, frame.user_id, frame.is_typing, Date.now()));
        } else if (frame.type === 'read' && 'seq' in frame) {
          setView((current) => withRead(current, frame.user_id, frame.seq));
        } else if (frame.type === 'error' && 'client_id' in frame && frame.client_id) {
          // One of our messages was refused: sending it again would be refused again.
          const { client_id: clientId, code, detail } = frame;
          pending.current = pending.current.map((p) =>
            p.client_id === clientId ? { ...p, refused: { code, detail } } : p,
          );
          setView((current) => withRefused(current, clientId, { code, detail }));
        }
      },
    });
    socket.current = live;
    // The newest page first, then live from its last message: a long conversation is not
    // replayed whole. Without that page (an error), the socket replays it from the start.
    const opening = new AbortController();
    api
      .GET('/api/v1/conversations/{id}', {
        params: {
          path: { id: conversationId },
          query: { latest: true, limit: HISTORY_PAGE_SIZE },
        },
        signal: opening.signal,
      })
      .then((answer) => {
        const page = unwrap(answer);
        const newest = page.messages[page.messages.length - 1]?.seq ?? 0;
        lastSeq.current = Math.max(lastSeq.current, newest);
        setView((view) => withOlderPage(view, page));
      })
      .catch(() => {
        if (!opening.signal.aborted) setView((view) => withOlderState(view, 'none'));
      })
      .finally(() => {
        if (!opening.signal.aborted) live.start();
      });
    return () => {
      opening.abort();
      live.stop();
    };
  }, [conversationId, api, session, createSocket]);

  /** Fetches the page before the first message held, unless one is on its way or none is left. */
  const loadOlder = useCallback(() => {
    const view = current.current;
    const first = view.messages[0]?.seq;
    if ((view.older !== 'more' && view.older !== 'failed') || first === undefined) return;
    current.current = withOlderState(view, 'loading');
    setView((latest) => withOlderState(latest, 'loading'));
    api
      .GET('/api/v1/conversations/{id}', {
        params: {
          path: { id: conversationId },
          query: { before_seq: first, limit: HISTORY_PAGE_SIZE },
        },
      })
      .then((answer) => {
        const page = unwrap(answer);
        setView((latest) => withOlderPage(latest, page));
      })
      .catch(() => setView((latest) => withOlderState(latest, 'failed')));
  }, [api, conversationId]);

  useEffect(() => saveOutbox(conversationId, view.pending), [conversationId, view.pending]);

  const send = useCallback((content: string) => {
    const message = { client_id: newClientId(), content, created_at: new Date().toISOString() };
    setView((current) => withPending(current, message));
    pending.current = [...pending.current, message];
    socket.current?.send({ type: 'message.send', content, client_id: message.client_id });
    if (typingSentAt.current) {
      typingSentAt.current = 0;
      socket.current?.send({ type: 'typing', is_typing: false });
    }
  }, []);

  /** Sends a refused message again, as its writer asked. */
  const retry = useCallback((clientId: string) => {
    const message = pending.current.find((p) => p.client_id === clientId);
    if (message === undefined) return;
    pending.current = pending.current.map((p) =>
      p.client_id === clientId
        ? { client_id: p.client_id, content: p.content, created_at: p.created_at }
        : p,
    );
    setView((current) => withRetried(current, clientId));
    socket.current?.send({ type: 'message.send', content: message.content, client_id: clientId });
  }, []);

  /** Drops a pending message (refused, or not wanted any more). */
  const discard = useCallback((clientId: string) => {
    pending.current = pending.current.filter((p) => p.client_id !== clientId);
    setView((current) => withDiscarded(current, clientId));
  }, []);

  /** Called as the user types (or clears the field). */
  const typing = useCallback((isTyping: boolean) => {
    const now = Date.now();
    if (isTyping && now - typingSentAt.current < TYPING_REPEAT_MS) return;
    if (!isTyping && !typingSentAt.current) return;
    if (socket.current?.send({ type: 'typing', is_typing: isTyping })) {
      typingSentAt.current = isTyping ? now : 0;
    }
  }, []);

  /** Tells the others the reader has seen everything up to the last message. */
  const markRead = useCallback(() => {
    const seq = lastSeq.current;
    if (seq > readSent.current && socket.current?.send({ type: 'read', seq })) {
      readSent.current = seq;
    }
  }, []);

  return { view, state, send, retry, discard, typing, markRead, loadOlder };
}
