import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type FormEvent,
} from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth/use-auth';
import { useDateTime } from '../components/format';
import { typingNow, type Message } from './conversation-model';
import { useConversation } from './use-conversation';

const MAX_CONTENT = 4000;

/** Older history is fetched once the reader is this close to the top (px). */
const OLDER_MARGIN = 400;

/**
 * Windowing by the browser: a message off screen is neither laid out nor painted (its last
 * height, or about one short message before it was ever shown, stands in), so a long history
 * costs little more than the screenful shown. Built-in (`content-visibility`): no virtual-list
 * library is among the app's dependencies. The newest messages are always laid out, so that
 * opening at the bottom lands exactly there; the browser's scroll anchoring keeps the place when
 * an older one gets its real height as it comes into view.
 */
const OFF_SCREEN_SKIPPED: CSSProperties = {
  contentVisibility: 'auto',
  containIntrinsicSize: 'auto 4.5rem',
};
const ALWAYS_LAID_OUT = 40;

const STATUS_STYLE: CSSProperties = {
  minHeight: '1.25rem',
  margin: '0.25rem 0',
  fontSize: '0.8125rem',
};

/**
 * The live conversation of a request, for its client and for staff. Another conversation (the
 * staff console moving to another request) starts afresh: its own history, socket and outbox.
 */
export function ConversationPanel({ conversationId }: { conversationId: string }) {
  return <OneConversation key={conversationId} conversationId={conversationId} />;
}

function OneConversation({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const ids = { heading: useId(), message: useId(), list: useId() };
  const me = useMe().data;
  const formatDate = useDateTime();
  const { view, state, send, retry, discard, typing, markRead, loadOlder } =
    useConversation(conversationId);
  const [draft, setDraft] = useState('');
  const [now, setNow] = useState(() => Date.now());
  const list = useRef<HTMLOListElement>(null);
  const nearBottom = useRef(true);
  /** scrollHeight - scrollTop as last seen: where the reader is, counted from the bottom. */
  const fromBottom = useRef(0);
  const shownFirst = useRef<number | undefined>(undefined);
  const firstSeq = view.messages[0]?.seq;
  if (firstSeq !== shownFirst.current && list.current) {
    // Older messages are about to go in above: where the reader is, measured now (heights may
    // have changed since the last scroll event, as off-screen messages came into view).
    fromBottom.current = list.current.scrollHeight - list.current.scrollTop;
  }

  // Keep to the newest message unless the reader scrolled up to read older ones; when older
  // messages come in above, what the reader was looking at stays where it was.
  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    if (nearBottom.current) element.scrollTop = element.scrollHeight;
    else if (firstSeq !== shownFirst.current) {
      element.scrollTop = element.scrollHeight - fromBottom.current;
    }
    shownFirst.current = firstSeq;
    fromBottom.current = element.scrollHeight - element.scrollTop;
  }, [firstSeq, view.messages.length, view.pending.length]);

  // A first page shorter than the box gives nothing to scroll: fetch older ones until it fills.
  useEffect(() => {
    const element = list.current;
    if (view.older === 'more' && element && element.clientHeight > 0) {
      if (element.scrollHeight - element.clientHeight < OLDER_MARGIN) loadOlder();
    }
  }, [view.older, view.messages.length, loadOlder]);

  // Seen: what is on screen while the page is visible.
  useEffect(() => {
    if (document.visibilityState === 'visible' && state === 'open') markRead();
    const onVisible = () => document.visibilityState === 'visible' && markRead();
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [view.lastSeq, state, markRead]);

  // "Typing" fades by itself: look again every second while someone types.
  const typingUsers = typingNow(view, me?.id, now);
  const someoneTyping = Object.keys(view.typing).length > 0;
  useEffect(() => {
    if (!someoneTyping) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [someoneTyping]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const content = draft.trim();
    if (!content) return;
    send(content);
    setDraft('');
    nearBottom.current = true;
  };

  const sender = (message: Message) => {
    if (me && message.sender_id === me.id) return t('conversation.you');
    if (message.sender_type === 'admin') return t('conversation.concierge');
    if (message.sender_type === 'system') return t('app.name');
    return t('conversation.client');
  };
  const othersRead = Object.entries(view.readUpTo)
    .filter(([user]) => user !== me?.id)
    .reduce((max, [, seq]) => Math.max(max, seq), 0);
  const lastOwn = [...view.messages].reverse().find((m) => me && m.sender_id === me.id);

  return (
    <section className="conversation" aria-labelledby={ids.heading}>
      <div className="page-heading">
        <h2 id={ids.heading}>{t('conversation.title')}</h2>
        <p role="status" className={`connection connection-${state}`}>
          {t(`conversation.states.${state}`)}
        </p>
      </div>
      <p className="history-status" aria-live="polite" style={STATUS_STYLE}>
        {view.older === 'loading'
          ? t('conversation.olderLoading')
          : view.older === 'failed'
            ? t('conversation.olderFailed')
            : view.older === 'none' && view.messages.length > 0
              ? t('conversation.historyStart')
              : ''}
      </p>
      <ol
        ref={list}
        id={ids.list}
        className="messages"
        aria-label={t('conversation.messages')}
        aria-busy={view.older === 'unknown' || view.older === 'loading'}
        tabIndex={0}
        onKeyDown={(event) => {
          // End: straight to the newest message (a smooth scroll past messages that get their
          // real height on the way would stop short of it).
          if (event.key !== 'End' || event.ctrlKey || event.metaKey || event.altKey) return;
          event.preventDefault();
          const element = event.currentTarget;
          nearBottom.current = true;
          element.scrollTop = element.scrollHeight;
          requestAnimationFrame(() => {
            if (nearBottom.current) element.scrollTop = element.scrollHeight;
          });
        }}
        onScroll={(event) => {
          const element = event.currentTarget;
          nearBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
          fromBottom.current = element.scrollHeight - element.scrollTop;
          if (element.scrollTop < OLDER_MARGIN) loadOlder();
        }}
      >
        {view.messages.map((message, index) => (
          <li
            key={message.seq}
            className={`message ${me && message.sender_id === me.id ? 'own' : 'other'}`}
            style={index < view.messages.length - ALWAYS_LAID_OUT ? OFF_SCREEN_SKIPPED : undefined}
          >
            <span className="sender">{sender(message)}</span>
            <p className="content" dir="auto">
              {message.content}
            </p>
            <time dateTime={message.created_at}>{formatDate(message.created_at)}</time>
            {message === lastOwn && othersRead >= message.seq && (
              <span className="seen">{t('conversation.seen')}</span>
            )}
          </li>
        ))}
        {view.pending.map((message) => (
          <li key={message.client_id} className="message own pending">
            <span className="sender">{t('conversation.you')}</span>
            <p className="content" dir="auto">
              {message.content}
            </p>
            {message.refused ? (
              <>
                <span className="hint error" role="alert">
                  {t('conversation.refused', { detail: message.refused.detail })}
                </span>
                <span className="actions">
                  <button type="button" onClick={() => retry(message.client_id)}>
                    {t('conversation.retry')}
                  </button>
                  <button type="button" onClick={() => discard(message.client_id)}>
                    {t('conversation.discard')}
                  </button>
                </span>
              </>
            ) : (
              <span className="hint">{t('conversation.notSentYet')}</span>
            )}
          </li>
        ))}
      </ol>
      <p className="typing" aria-live="polite">
        {typingUsers.length > 0 ? t('conversation.typing') : ''}
      </p>
      <form className="composer" onSubmit={submit}>
        <label htmlFor={ids.message}>{t('conversation.message')}</label>
        <textarea
          id={ids.message}
          rows={2}
          maxLength={MAX_CONTENT}
          value={draft}
          onChange={(event) => {
            setDraft(event.target.value);
            typing(event.target.value.trim() !== '');
          }}
          onKeyDown={(event) => {
            // Enter sends; Shift+Enter is a new line.
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              submit(event);
            }
          }}
        />
        <button type="submit" disabled={draft.trim() === ''}>
          {t('conversation.send')}
        </button>
      </form>
    </section>
  );
}
