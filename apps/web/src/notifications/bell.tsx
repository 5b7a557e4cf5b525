import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../auth/use-auth';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import type { Notification } from './live-updates';
import {
  requestOf,
  useMarkAllRead,
  useMarkRead,
  useNotifications,
  useUnreadNotifications,
} from './use-notifications';

/**
 * The bell in the header: its name carries the unread count ("Notifications (3 unread)"), and it
 * opens the list of notifications, each linking to its request. The notifications socket (held by
 * LiveUpdatesProvider, not opened again here) refreshes the count and the list as they come.
 */
export function NotificationBell() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const headingId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const unread = useUnreadNotifications().data?.total ?? 0;
  const label = unread > 0 ? t('bell.labelUnread', { count: unread }) : t('bell.label');

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  return (
    <div className="bell" ref={root}>
      <button
        ref={button}
        type="button"
        className="secondary"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((value) => !value)}
      >
        {/* The name is the whole sentence ("Notifications (3 unread)"); the eye sees a badge. */}
        <span className="visually-hidden">{label}</span>
        <span aria-hidden="true">
          <BellIcon /> {t('bell.label')}
          {unread > 0 && <span className="badge">{unread}</span>}
        </span>
      </button>
      {open && (
        <section id={panelId} className="bell-panel" aria-labelledby={headingId}>
          <BellPanel headingId={headingId} onClose={() => setOpen(false)} />
        </section>
      )}
    </div>
  );
}

function BellPanel({ headingId, onClose }: { headingId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const list = useNotifications();
  const markAll = useMarkAllRead();
  const hasUnread = (useUnreadNotifications().data?.total ?? 0) > 0;
  return (
    <>
      <div className="page-heading">
        <h2 id={headingId}>{t('bell.title')}</h2>
        <button
          type="button"
          className="secondary"
          disabled={!hasUnread || markAll.isPending}
          onClick={() => markAll.mutate()}
        >
          {t('bell.markAllRead')}
        </button>
      </div>
      <ErrorMessage error={list.error ?? markAll.error} />
      {list.isPending && <p role="status">{t('app.loading')}</p>}
      {list.data && list.data.items.length === 0 && <p>{t('bell.empty')}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="bell-list" aria-labelledby={headingId}>
          {list.data.items.map((notification) => (
            <NotificationItem key={notification.id} notification={notification} onOpen={onClose} />
          ))}
        </ul>
      )}
      <button type="button" className="secondary" onClick={onClose}>
        {t('bell.close')}
      </button>
    </>
  );
}

function NotificationItem({
  notification,
  onOpen,
}: {
  notification: Notification;
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  const formatDate = useDateTime();
  const titleId = useId();
  const markRead = useMarkRead();
  const role = useMe().data?.role;
  const requestId = requestOf(notification);
  const staff = role === 'agent' || role === 'admin';
  const href = requestId ? (staff ? `/staff/requests/${requestId}` : `/requests/${requestId}`) : '';
  const unread = notification.read_at === null;
  return (
    <li className={unread ? 'unread' : undefined}>
      <p id={titleId} dir="auto">
        {unread && <span className="visually-hidden">{t('bell.unread')}: </span>}
        {notification.title}
      </p>
      {notification.body && (
        <p className="description" dir="auto">
          {notification.body}
        </p>
      )}
      <time dateTime={notification.created_at}>{formatDate(notification.created_at)}</time>
      <div className="actions">
        {href && (
          <Link
            to={href}
            aria-describedby={titleId}
            onClick={() => {
              if (unread) markRead.mutate(notification.id);
              onOpen();
            }}
          >
            {t('bell.openRequest')}
          </Link>
        )}
        {unread && (
          <button
            type="button"
            className="secondary"
            aria-describedby={titleId}
            disabled={markRead.isPending}
            onClick={() => markRead.mutate(notification.id)}
          >
            {t('bell.markRead')}
          </button>
        )}
      </div>
    </li>
  );
}

/** A bell drawn inline (no emoji font is assumed; no image request). */
function BellIcon() {
  return (
    <svg className="bell-icon" viewBox="0 0 24 24" width="16" height="16" focusable="false">
      <path
        fill="currentColor"
        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
      />
    </svg>
  );
}
