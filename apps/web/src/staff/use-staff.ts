import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap, type Schemas } from '../api/client';
import { useMe, type User } from '../auth/use-auth';
import { useLiveUpdates } from '../notifications/live-updates';
import type { ConciergeRequest, RequestStatus } from '../requests/use-requests';
import { useServices } from '../services';

export type Role = User['role'];
export type StaffUser = Schemas['UserResponse'];

export function isStaff(role: Role | undefined): boolean {
  return role === 'agent' || role === 'admin';
}

/** The queue (`GET /admin/requests`): every request, oldest first, by status and assignee. */
export function useQueue(filter: {
  status?: RequestStatus;
  assigneeId?: string;
  page: number;
  pageSize: number;
}) {
  const { api } = useServices();
  // New requests are pushed (request.submitted reaches every agent and admin); other staff's
  // moves are not, so the queue is read again now and then, more often while the socket is down.
  const live = useLiveUpdates().state === 'open';
  return useQuery({
    queryKey: ['requests', 'queue', filter],
    placeholderData: keepPreviousData,
    refetchInterval: live ? 30_000 : 10_000,
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

/** How often the queue's unread counts are read again while the page is visible. */
export const UNREAD_POLL_MS = 5_000;
/** ...and while the open conversation still counts as unread (its read mark is on its way). */
export const UNREAD_OPEN_POLL_MS = 1_500;

/**
 * How many messages of each conversation the signed-in staff member has not read
 * (`GET /conversations/unread`, one call for the whole queue page), by conversation id.
 *
 * A client's message is pushed to nobody on the staff side (notification-service tells the
 * client of staff replies only), so the counts are read again every few seconds while the page
 * is visible, on focus, and, being under `['requests']`, whenever a live notification refreshes
 * the queue. The conversation open beside the queue marks itself read over its own socket; while
 * its count is still above zero it is read again sooner, so the badge goes as soon as the mark
 * is stored.
 */
export function useUnreadCounts(conversationIds: readonly string[], open?: string) {
  const { api } = useServices();
  const ids = [...new Set(conversationIds)].sort().slice(0, 100);
  return useQuery<Schemas['UnreadCountsResponse'], Error, Map<string, number>>({
    queryKey: ['requests', 'unread', ids],
    enabled: ids.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: (query) => {
      const openCount = query.state.data?.items.find((i) => i.conversation_id === open)?.unread;
      return openCount ? UNREAD_OPEN_POLL_MS : UNREAD_POLL_MS;
    },
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/conversations/unread', {
          params: { query: { ids: ids.join(',') } },
          signal,
        }),
      ),
    select: (data) => new Map(data.items.map((item) => [item.conversation_id, item.unread])),
  });
}

/**
 * Agents and admins by name (`GET /admin/users`, admins only): whom a request can be assigned
 * to. An agent gets nothing here (the API refuses them) and assigns to themself only.
 */
export function useStaffMembers() {
  const { api } = useServices();
  const me = useMe().data;
  return useQuery({
    queryKey: ['staff-members'],
    enabled: me?.role === 'admin',
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const read = async (role: 'agent' | 'admin') =>
        unwrap(
          await api.GET('/api/v1/admin/users', {
            params: { query: { role, page_size: 100 } },
            signal,
          }),
        ).items;
      const [agents, admins] = await Promise.all([read('agent'), read('admin')]);
      return [...agents, ...admins];
    },
  });
}

type Snapshot = { id: string; previous: ConciergeRequest | undefined };

/**
 * A change to one request, shown at once (optimistic) and undone if the API refuses it (a 409
 * when someone else moved it first); afterwards every request query is read again.
 */
function useRequestChange<Vars>(
  send: (vars: Vars) => Promise<ConciergeRequest>,
  guess: (request: ConciergeRequest, vars: Vars) => ConciergeRequest,
  id: (vars: Vars) => string,
) {
  const queryClient = useQueryClient();
  return useMutation<ConciergeRequest, Error, Vars, Snapshot>({
    mutationFn: send,
    onMutate: async (vars) => {
      const key = ['requests', 'one', id(vars)];
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<ConciergeRequest>(key);
      if (previous) queryClient.setQueryData(key, guess(previous, vars));
      return { id: id(vars), previous };
    },
    onError: (_error, _vars, snapshot) => {
      if (snapshot?.previous) {
        queryClient.setQueryData(['requests', 'one', snapshot.id], snapshot.previous);
      }
    },
    onSuccess: (request) => queryClient.setQueryData(['requests', 'one', request.id], request),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['requests'] }),
  });
}

/** Assigns a request: to `agentId`, or to the caller when it is omitted. */
export function useAssign() {
  const { api } = useServices();
  const me = useMe().data;
  return useRequestChange<{ id: string; agentId?: string }>(
    async ({ id, agentId }) =>
      unwrap(
        await api.POST('/api/v1/admin/requests/{id}/assign', {
          params: { path: { id } },
          body: agentId ? { agent_id: agentId } : {},
        }),
      ),
    (request, { agentId }) => ({
      ...request,
      assignee_id: agentId ?? me?.id ?? request.assignee_id,
      status: request.status === 'new' ? 'assigned' : request.status,
    }),
    (vars) => vars.id,
  );
}

/** A lifecycle move by staff (see lifecycle.ts for which ones are offered). */
export function useChangeStatus() {
  const { api } = useServices();
  return useRequestChange<{ id: string; status: RequestStatus }>(
    async ({ id, status }) =>
      unwrap(
        await api.POST('/api/v1/admin/requests/{id}/status', {
          params: { path: { id } },
          body: { status },
        }),
      ),
    (request, { status }) => ({ ...request, status }),
    (vars) => vars.id,
  );
}
