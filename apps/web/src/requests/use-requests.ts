import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap, type Schemas } from '../api/client';
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

/** Statuses to see change while the page is open: staff move them; the list polls until then. */
const LIVE_REFRESH_MS = 10_000;

export function canCancel(request: ConciergeRequest): boolean {
  return request.status !== 'fulfilled' && request.status !== 'cancelled';
}

export function useMyRequests(filter: { status?: RequestStatus; page: number; pageSize: number }) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['requests', 'mine', filter],
    placeholderData: keepPreviousData,
    refetchInterval: LIVE_REFRESH_MS,
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
    refetchInterval: LIVE_REFRESH_MS,
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
