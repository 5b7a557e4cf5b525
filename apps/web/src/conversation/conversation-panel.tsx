import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth/use-auth';
import { useDateTime } from '../components/format';
import { typingNow, type Message } from './conversation-model';
import { useConversation } from './use-conversation';

const MAX_CONTENT = 4000;

/** The live conversation of a request, for its client and for staff. */
export function ConversationPanel({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const ids = { heading: useId(), message: useId(), list: useId() };
  const me = useMe().data;
  const formatDate = useDateTime();
  const { view, state, send, typing, markRead } = useConversation(conversationId);
  const [draft, setDraft] = useState('');
  const [now, setNow] = useState(() => Date.now());
  const list = useRef<HTMLOListElement>(null);
  const nearBottom = useRef(true);

  // Keep to the newest message unless the reader scrolled up to read older ones.
  useLayoutEffect(() => {
    const element = list.current;
    if (element && nearBottom.current) element.scrollTop = element.scrollHeight;
  }, [view.messages.length, view.pending.length]);

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
      <ol
        ref={list}
        id={ids.list}
        className="messages"
        aria-label={t('conversation.messages')}
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          nearBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
        }}
      >
        {view.messages.map((message) => (
          <li
            key={message.seq}
            className={`message ${me && message.sender_id === me.id ? 'own' : 'other'}`}
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
            <span className="hint">{t('conversation.notSentYet')}</span>
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
