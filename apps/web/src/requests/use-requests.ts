import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap, type Schemas } from '../api/client';
import { useLiveUpdates } from '../notifications/live-updates';
import { useServices } from '../services';

export type ConciergeRequest = Schemas['RequestResponse'];
export type RequestType = ConciergeRequest['type'];
export type RequestStatus = ConciergeRequest['status'];

export const REQUEST_TYPES: readonly RequestType[] = ['travel', 'dining', 'events', 'shopping'];
export const REQUEST_STATUSES: readonly RequestStatus[] = [
  'new',
  'assigned',
  'in_progress',
  'fulfilled',
  'cancelled',
];

/**
 * Staff move requests while the client looks: each change the client is told of arrives on the
 * notifications socket (which refreshes these queries); polling covers the rest, and everything
 * while the socket is down.
 */
function useRefreshInterval(): number {
  return useLiveUpdates().state === 'open' ? 60_000 : 10_000;
}

export function canCancel(request: ConciergeRequest): boolean {
  return request.status !== 'fulfilled' && request.status !== 'cancelled';
}

export function useMyRequests(filter: { status?: RequestStatus; page: number; pageSize: number }) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['requests', 'mine', filter],
    placeholderData: keepPreviousData,
    refetchInterval: useRefreshInterval(),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/requests', {
          params: {
            query: {
              page: filter.page,
              page_size: filter.pageSize,
              ...(filter.status ? { status: filter.status } : {}),
            },
          },
          signal,
        }),
      ),
  });
}

export function useRequest(id: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['requests', 'one', id],
    refetchInterval: useRefreshInterval(),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/requests/{id}', { params: { path: { id } }, signal })),
  });
}

export function useSubmitRequest() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: { type: RequestType; description: string }) =>
      unwrap(await api.POST('/api/v1/requests', { body })),
    onSuccess: (request) => {
      queryClient.setQueryData(['requests', 'one', request.id], request);
      return queryClient.invalidateQueries({ queryKey: ['requests', 'mine'] });
    },
  });
}

export function useCancelRequest() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/api/v1/requests/{id}/cancel', { params: { path: { id } } })),
    onSuccess: (request) => {
      queryClient.setQueryData(['requests', 'one', request.id], request);
      return queryClient.invalidateQueries({ queryKey: ['requests', 'mine'] });
    },
  });
}
