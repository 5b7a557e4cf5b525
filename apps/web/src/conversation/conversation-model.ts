import type { Schemas } from '../api/client';

export type Message = Schemas['MessageResponse'];

/** A message typed here, not yet stored by the server (the outbox). */
export interface PendingMessage {
  readonly client_id: string;
  readonly content: string;
  readonly created_at: string;
  /**
   * The server refused it (its error frame named this client_id): it is not sent again until the
   * writer asks (`withRetried`), and can be discarded (`withDiscarded`).
   */
  readonly refused?: { readonly code: string; readonly detail: string };
}

/** What the screen shows of a conversation; changed only by the functions below. */
export interface ConversationView {
  /** Ascending seq, each once. */
  readonly messages: readonly Message[];
  readonly lastSeq: number;
  /** Oldest first; sent again on every (re)connect until the server stored them. */
  readonly pending: readonly PendingMessage[];
  /** Who else is typing, until when (epoch ms). */
  readonly typing: Readonly<Record<string, number>>;
  /** Up to which seq each participant has read. */
  readonly readUpTo: Readonly<Record<string, number>>;
  /**
   * Older history: `unknown` until the newest page came, then whether messages older than the
   * first one held exist on the server (`more`), are being fetched (`loading`), could not be
   * (`failed`, tried again on the next scroll up), or not (`none`: the view starts at seq 1).
   */
  readonly older: 'unknown' | 'more' | 'loading' | 'failed' | 'none';
}

export const TYPING_SHOWN_MS = 6000;

export function emptyView(pending: readonly PendingMessage[] = []): ConversationView {
  return { messages: [], lastSeq: 0, pending, typing: {}, readUpTo: {}, older: 'unknown' };
}

/** A page of `GET /api/v1/conversations/{id}` read backward (`latest=true` or `before_seq`). */
export interface OlderPage {
  readonly messages: readonly Message[];
  /** Messages older than the page's first one exist. */
  readonly has_more: boolean;
}

/** Adds a backward page: the newest one on opening, or the one before the first message held. */
export function withOlderPage(view: ConversationView, page: OlderPage): ConversationView {
  const next = withMessages(view, page.messages);
  const first = next.messages[0]?.seq ?? 1;
  return { ...next, older: page.has_more && first > 1 ? 'more' : 'none' };
}

/** Older history is being fetched, or could not be. */
export function withOlderState(
  view: ConversationView,
  older: 'loading' | 'failed' | 'none',
): ConversationView {
  return view.older === older ? view : { ...view, older };
}

/** Adds messages (from a page, the socket or an ack), keeping seq order and no duplicate. */
export function withMessages(
  view: ConversationView,
  incoming: readonly Message[],
): ConversationView {
  if (incoming.length === 0) return view;
  let messages: Message[];
  const ascendingAfterLast = incoming.every(
    (m, i) => m.seq > (i === 0 ? view.lastSeq : incoming[i - 1]!.seq),
  );
  if (ascendingAfterLast) {
    // The usual case (live messages, a resumed socket): appended as they are.
    messages = [...view.messages, ...incoming];
  } else {
    const bySeq = new Map(view.messages.map((m) => [m.seq, m]));
    for (const message of incoming) if (!bySeq.has(message.seq)) bySeq.set(message.seq, message);
    messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  const stored = new Set(incoming.map((m) => m.client_id).filter(Boolean));
  const typing = { ...view.typing };
  for (const m of incoming) if (m.sender_id) delete typing[m.sender_id];
  return {
    ...view,
    messages,
    lastSeq: messages.length > 0 ? messages[messages.length - 1]!.seq : view.lastSeq,
    pending: view.pending.filter((p) => !stored.has(p.client_id)),
    typing,
  };
}

export function withPending(view: ConversationView, message: PendingMessage): ConversationView {
  return { ...view, pending: [...view.pending, message] };
}

/** The server refused the pending message `clientId` (nothing changes if it is not pending). */
export function withRefused(
  view: ConversationView,
  clientId: string,
  refused: { code: string; detail: string },
): ConversationView {
  if (!view.pending.some((p) => p.client_id === clientId)) return view;
  return {
    ...view,
    pending: view.pending.map((p) => (p.client_id === clientId ? { ...p, refused } : p)),
  };
}

/** A refused message is to be sent again. */
export function withRetried(view: ConversationView, clientId: string): ConversationView {
  return {
    ...view,
    pending: view.pending.map((p) =>
      p.client_id === clientId
        ? { client_id: p.client_id, content: p.content, created_at: p.created_at }
        : p,
    ),
  };
}

/** A pending message is dropped by its writer. */
export function withDiscarded(view: ConversationView, clientId: string): ConversationView {
  return { ...view, pending: view.pending.filter((p) => p.client_id !== clientId) };
}

export function withTyping(
  view: ConversationView,
  userId: string,
  isTyping: boolean,
  now: number,
): ConversationView {
  const typing = { ...view.typing };
  if (isTyping) typing[userId] = now + TYPING_SHOWN_MS;
  else delete typing[userId];
  return { ...view, typing };
}

export function withRead(view: ConversationView, userId: string, seq: number): ConversationView {
  if ((view.readUpTo[userId] ?? 0) >= seq) return view;
  return { ...view, readUpTo: { ...view.readUpTo, [userId]: seq } };
}

/** Those typing now, but the reader. */
export function typingNow(view: ConversationView, me: string | undefined, now: number): string[] {
  return Object.entries(view.typing)
    .filter(([user, until]) => user !== me && until > now)
    .map(([user]) => user);
}
