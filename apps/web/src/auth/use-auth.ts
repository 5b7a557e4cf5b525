import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useSyncExternalStore } from 'react';
import { unwrap, type Schemas } from '../api/client';
import { useServices } from '../services';
import { tokensFrom } from './session';

export type User = Schemas['UserResponse'];

export const ME_KEY = ['me'] as const;

/** Whether this browser holds a session (another tab signing out counts). */
export function useSignedIn(): boolean {
  const { tokens } = useServices();
  return useSyncExternalStore(
    (listener) => tokens.subscribe(listener),
    () => tokens.get() !== undefined,
  );
}

/** The signed-in user (GET /users/me), undefined while signed out or loading. */
export function useMe() {
  const { api } = useServices();
  const signedIn = useSignedIn();
  return useQuery({
    queryKey: ME_KEY,
    enabled: signedIn,
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/users/me', { signal })),
  });
}

export function useSignIn() {
  const { api, tokens } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (credentials: { email: string; password: string }) =>
      unwrap(await api.POST('/api/v1/auth/login', { body: credentials })),
    onSuccess: (answer) => {
      queryClient.clear(); // nothing of a previous user stays in the cache
      tokens.set(tokensFrom(answer));
    },
  });
}

export function useRegister() {
  const { api } = useServices();
  return useMutation({
    mutationFn: async (body: { email: string; password: string; full_name?: string }) =>
      unwrap(await api.POST('/api/v1/auth/register', { body })),
  });
}

/** Ends the session on the server (its refresh token can no longer be used) and here. */
export function useSignOut(): () => Promise<void> {
  const { api, tokens } = useServices();
  const queryClient = useQueryClient();
  return useCallback(async () => {
    const current = tokens.get();
    if (current) {
      await api
        .POST('/api/v1/auth/logout', { body: { refresh_token: current.refreshToken } })
        .catch(() => undefined); // offline: forget the tokens anyway
    }
    tokens.clear();
    queryClient.clear();
  }, [api, tokens, queryClient]);
}
