import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/client';
import { useLiveUpdates } from '../notifications/live-updates';
import type { ConciergeRequest, RequestStatus } from '../requests/use-requests';
import { useServices } from '../services';

/** The moves staff may make from each status (API.md); everything else answers 409. */
export function nextStep(status: RequestStatus): 'assign' | 'start' | 'fulfil' | undefined {
  if (status === 'new') return 'assign';
  if (status === 'assigned') return 'start';
  if (status === 'in_progress') return 'fulfil';
  return undefined;
}

/** The staff queue, oldest first; new requests arrive on the notifications socket. */
export function useQueue(filter: {
  status?: RequestStatus;
  assigneeId?: string;
  page: number;
  pageSize: number;
}) {
  const { api } = useServices();
  const live = useLiveUpdates().state === 'open';
  return useQuery({
    queryKey: ['requests', 'queue', filter],
    placeholderData: keepPreviousData,
    refetchInterval: live ? 60_000 : 10_000,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/admin/requests', {
          params: {
            query: {
              page: filter.page,
              page_size: filter.pageSize,
              ...(filter.status ? { status: filter.status } : {}),
              ...(filter.assigneeId ? { assignee_id: filter.assigneeId } : {}),
            },
          },
          signal,
        }),
      ),
  });
}

/** Agents and admins to hand a request to (only admins may list them). */
export function useStaff(enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['staff'],
    enabled,
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const [agents, admins] = await Promise.all(
        (['agent', 'admin'] as const).map(async (role) =>
          unwrap(
            await api.GET('/api/v1/admin/users', {
              params: { query: { role, page_size: 100 } },
              signal,
            }),
          ),
        ),
      );
      return [...agents!.items, ...admins!.items];
    },
  });
}

export function useRequestMove() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (move: {
      id: string;
      action: 'assign' | 'start' | 'fulfil';
      agentId?: string;
    }): Promise<ConciergeRequest> => {
      const path = { id: move.id };
      if (move.action === 'assign') {
        return unwrap(
          await api.POST('/api/v1/admin/requests/{id}/assign', {
            params: { path },
            body: move.agentId ? { agent_id: move.agentId } : {},
          }),
        );
      }
      const status = move.action === 'start' ? 'in_progress' : 'fulfilled';
      return unwrap(
        await api.POST('/api/v1/admin/requests/{id}/status', {
          params: { path },
          body: { status },
        }),
      );
    },
    onSuccess: (request) => {
      queryClient.setQueryData(['requests', 'one', request.id], request);
      return queryClient.invalidateQueries({ queryKey: ['requests', 'queue'] });
    },
  });
}
