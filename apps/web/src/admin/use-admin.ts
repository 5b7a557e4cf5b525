import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap, type Schemas } from '../api/client';
import { useServices } from '../services';

export type Webhook = Schemas['WebhookResponse'];
export type WebhookEvent = Schemas['CreateWebhookRequest']['events'][number];
export type Delivery = Schemas['WebhookDeliveryResponse'];
export type StaffRole = Schemas['CreateStaffUserRequest']['role'];
export type Role = Schemas['UserResponse']['role'];

export const WEBHOOK_EVENTS: readonly Exclude<WebhookEvent, '*'>[] = [
  'request.submitted',
  'request.assigned',
  'request.status_changed',
  'message.created',
];

export function useAccounts(role: Role, page: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['admin', 'users', role, page],
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/admin/users', {
          params: { query: { role, page, page_size: 50 } },
          signal,
        }),
      ),
  });
}

export function useCreateStaff() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['CreateStaffUserRequest']) =>
      unwrap(await api.POST('/api/v1/admin/users', { body })),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['admin', 'users'] }),
        queryClient.invalidateQueries({ queryKey: ['staff-members'] }),
      ]),
  });
}

export function useChangeRole() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, role }: { id: string; role: Role }) =>
      unwrap(
        await api.PATCH('/api/v1/admin/users/{id}', { params: { path: { id } }, body: { role } }),
      ),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['admin', 'users'] }),
        queryClient.invalidateQueries({ queryKey: ['staff-members'] }),
      ]),
  });
}

export function useWebhooks() {
  const { api } = useServices();
  return useQuery({
    queryKey: ['admin', 'webhooks'],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/admin/webhooks', {
          params: { query: { page: 1, page_size: 100 } },
          signal,
        }),
      ),
  });
}

function useWebhookChange<Vars, Out>(send: (vars: Vars) => Promise<Out>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['admin', 'webhooks'] }),
  });
}

/** The answer carries the signing secret: the only time it is ever shown. */
export function useCreateWebhook() {
  const { api } = useServices();
  return useWebhookChange(async (body: Schemas['CreateWebhookRequest']) =>
    unwrap(await api.POST('/api/v1/admin/webhooks', { body })),
  );
}

export function useUpdateWebhook() {
  const { api } = useServices();
  return useWebhookChange(
    async ({ id, ...body }: { id: string } & Schemas['UpdateWebhookRequest']) =>
      unwrap(await api.PATCH('/api/v1/admin/webhooks/{id}', { params: { path: { id } }, body })),
  );
}

export function useRotateSecret() {
  const { api } = useServices();
  return useWebhookChange(async (id: string) =>
    unwrap(
      await api.POST('/api/v1/admin/webhooks/{id}/rotate-secret', {
        params: { path: { id } },
        body: {},
      }),
    ),
  );
}

export function useDeleteWebhook() {
  const { api } = useServices();
  return useWebhookChange(async (id: string) =>
    unwrap(await api.DELETE('/api/v1/admin/webhooks/{id}', { params: { path: { id } } })),
  );
}

export function useSendTest() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/api/v1/admin/webhooks/{id}/test', { params: { path: { id } } })),
    onSettled: (_data, _error, id) =>
      queryClient.invalidateQueries({ queryKey: ['admin', 'deliveries', id] }),
  });
}

export function useDeliveries(id: string, page: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['admin', 'deliveries', id, page],
    placeholderData: keepPreviousData,
    // Pending deliveries change on their own (retries): keep the page fresh while it is open.
    refetchInterval: 10_000,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/admin/webhooks/{id}/deliveries', {
          params: { path: { id }, query: { page, page_size: 20 } },
          signal,
        }),
      ),
  });
}

export function useRedeliver(webhookId: string) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (deliveryId: string) =>
      unwrap(
        await api.POST('/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver', {
          params: { path: { id: webhookId, delivery_id: deliveryId } },
        }),
      ),
    onSettled: () =>
      queryClient.invalidateQueries({ queryKey: ['admin', 'deliveries', webhookId] }),
  });
}
