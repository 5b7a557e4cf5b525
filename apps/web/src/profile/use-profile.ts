import { useMutation, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/client';
import { ME_KEY, type User } from '../auth/use-auth';
import { useServices } from '../services';

export type Preferences = User['preferences'];

/** PUT /users/me; the answer replaces the cached user. `preferences` replaces them whole. */
export function useUpdateProfile() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: { full_name?: string | null; preferences?: Preferences }) =>
      unwrap(await api.PUT('/api/v1/users/me', { body })),
    onSuccess: (user) => queryClient.setQueryData(ME_KEY, user),
  });
}
