import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { Schemas } from '../api/client';
import { LiveSocket, type ConnectionState } from '../realtime/live-socket';
import { useServices } from '../services';

export type Notification = Schemas['NotificationResponse'];

interface LiveUpdates {
  /** The notifications socket's state: while it is open, screens need not poll as often. */
  readonly state: ConnectionState;
}

const LiveUpdatesContext = createContext<LiveUpdates>({ state: 'closed' });

export function useLiveUpdates(): LiveUpdates {
  return useContext(LiveUpdatesContext);
}

/** The socket's address: same host as the page, resuming after the last notification seen. */
function notificationsUrl(after: string | undefined): string {
  const url = new URL('/ws/notifications', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (after) url.searchParams.set('after', after);
  return url.toString();
}

/**
 * The signed-in user's live notifications (`/ws/notifications`): each one refreshes what it is
 * about (a request's status, its list), so screens change as staff act, without a reload. The
 * socket reconnects on its own and resumes after the last notification it saw.
 */
export function LiveUpdatesProvider({ children }: { children: ReactNode }) {
  const { session, createSocket } = useServices();
  const queryClient = useQueryClient();
  const [state, setState] = useState<ConnectionState>('connecting');
  const after = useRef<string | undefined>(undefined);

  useEffect(() => {
    const refreshRequests = () => queryClient.invalidateQueries({ queryKey: ['requests'] });
    const socket = new LiveSocket({
      url: () => notificationsUrl(after.current),
      token: (fresh) => session.socketToken(fresh),
      createSocket,
      onState: setState,
      // Missed changes while away (a notification is not sent for every one): read again.
      onOpen: () => void refreshRequests(),
      onFrame: (frame) => {
        const { type, notification } = frame as { type?: string; notification?: Notification };
        if (type !== 'notification' || !notification) return;
        after.current = notification.id;
        if (/^(request|message)\./.test(notification.type)) void refreshRequests();
        void queryClient.invalidateQueries({ queryKey: ['notifications'] });
      },
    });
    socket.start();
    return () => socket.stop();
  }, [session, queryClient, createSocket]);

  return <LiveUpdatesContext.Provider value={{ state }}>{children}</LiveUpdatesContext.Provider>;
}
