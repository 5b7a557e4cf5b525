import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/client';
import { useServices } from '../services';
import { useLiveUpdates, type Notification } from './live-updates';

export const NOTIFICATIONS_PAGE_SIZE = 20;

/**
 * The caller's notifications, newest first (`GET /notifications`); each one the socket brings
 * refreshes these queries (live-updates.tsx), so polling is only the fallback.
 */
export function useNotifications() {
  const { api } = useServices();
  const live = useLiveUpdates().state === 'open';
  return useQuery({
    queryKey: ['notifications', 'list'],
    refetchInterval: live ? false : 30_000,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/notifications', {
          params: { query: { page: 1, page_size: NOTIFICATIONS_PAGE_SIZE } },
          signal,
        }),
      ),
  });
}

/**
 * The unread ones (the first hundred) and how many there are in all: the bell's count, and the
 * queue's unread marks per request.
 */
export function useUnreadNotifications() {
  const { api } = useServices();
  const live = useLiveUpdates().state === 'open';
  return useQuery({
    queryKey: ['notifications', 'unread'],
    refetchInterval: live ? false : 30_000,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/notifications', {
          params: { query: { unread: 'true', page: 1, page_size: 100 } },
          signal,
        }),
      ),
  });
}

/** The request a notification is about, when it names one. */
export function requestOf(notification: Notification): string | undefined {
  const id = notification.data['request_id'];
  return typeof id === 'string' ? id : undefined;
}

/** How many unread notifications each request has. */
export function unreadByRequest(items: readonly Notification[] | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const notification of items ?? []) {
    const id = requestOf(notification);
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export function useMarkRead() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
}

export function useMarkAllRead() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/notifications/read-all')),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
}
