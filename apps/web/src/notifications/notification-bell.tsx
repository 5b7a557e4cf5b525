import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { unwrap } from '../api/client';
import { useMe } from '../auth/use-auth';
import { useDateTime } from '../components/format';
import { useServices } from '../services';
import type { Notification } from './live-updates';

/** The unread count and the latest notifications; the live socket refreshes both. */
function useNotifications(open: boolean) {
  const { api } = useServices();
  const unread = useQuery({
    queryKey: ['notifications', 'unread'],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/notifications', {
          params: { query: { unread: 'true', page_size: 1 } },
          signal,
        }),
      ).total,
  });
  const latest = useQuery({
    queryKey: ['notifications', 'latest'],
    enabled: open,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/notifications', { params: { query: { page_size: 10 } }, signal }),
      ).items,
  });
  return { unread, latest };
}

/**
 * The bell in the header: its name carries the unread count ("Notifications, 3 unread"); it opens
 * the latest notifications, each a link to what it is about, marked read when followed.
 */
export function NotificationBell() {
  const { t } = useTranslation();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const panelId = useId();
  const [open, setOpen] = useState(false);
  const { unread, latest } = useNotifications(open);
  const role = useMe().data?.role;
  const formatDate = useDateTime();
  const container = useRef<HTMLDivElement>(null);
  const count = unread.data ?? 0;

  const refresh = () => queryClient.invalidateQueries({ queryKey: ['notifications'] });
  const readOne = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    onSettled: refresh,
  });
  const readAll = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/notifications/read-all')),
    onSettled: refresh,
  });

  // Escape or a click elsewhere closes the panel.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    const onClick = (event: MouseEvent) =>
      container.current && !container.current.contains(event.target as Node) && setOpen(false);
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const linkOf = (notification: Notification) => {
    const requestId = notification.data['request_id'];
    if (typeof requestId !== 'string') return undefined;
    return role && role !== 'user' ? `/console/requests/${requestId}` : `/requests/${requestId}`;
  };

  return (
    <div className="bell" ref={container}>
      <button
        type="button"
        className="secondary"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        {count > 0 ? t('notifications.button', { count }) : t('notifications.buttonNone')}
      </button>
      {open && (
        <div
          id={panelId}
          className="bell-panel"
          role="region"
          aria-label={t('notifications.title')}
        >
          {latest.data && latest.data.length === 0 && <p>{t('notifications.empty')}</p>}
          {latest.data && latest.data.length > 0 && (
            <ul>
              {latest.data.map((notification) => {
                const to = linkOf(notification);
                const text = (
                  <>
                    <strong dir="auto">{notification.title}</strong>{' '}
                    <time dateTime={notification.created_at}>
                      {formatDate(notification.created_at)}
                    </time>
                  </>
                );
                return (
                  <li key={notification.id} className={notification.read_at ? 'read' : 'unread'}>
                    {to ? (
                      <Link
                        to={to}
                        onClick={() => {
                          if (!notification.read_at) readOne.mutate(notification.id);
                          setOpen(false);
                        }}
                      >
                        {text}
                      </Link>
                    ) : (
                      text
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {count > 0 && (
            <button type="button" className="secondary" onClick={() => readAll.mutate()}>
              {t('notifications.markAllRead')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
