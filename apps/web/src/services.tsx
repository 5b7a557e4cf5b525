import { QueryClient } from '@tanstack/react-query';
import { createContext, useContext, type ReactNode } from 'react';
import { ApiError, createApiClient, type ApiClient } from './api/client';
import { Session } from './auth/session';
import { TokenStore } from './auth/token-store';

/** What the screens talk to: the typed API client and the session behind it. */
export interface Services {
  readonly api: ApiClient;
  readonly session: Session;
  readonly tokens: TokenStore;
  readonly queryClient: QueryClient;
  /** Opens WebSockets (tests give a stand-in). */
  readonly createSocket: (url: string, protocols: string[]) => WebSocket;
}

export function createServices(
  options: {
    fetch?: typeof fetch;
    storage?: Storage;
    baseUrl?: string;
    createSocket?: Services['createSocket'];
  } = {},
): Services {
  // Same origin as the page (the gateway serves both); absolute, as Request needs outside browsers.
  const baseUrl = options.baseUrl ?? window.location.origin;
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const tokens = new TokenStore(options.storage ?? window.localStorage);
  const session = new Session(tokens, fetchFn, baseUrl);
  const api = createApiClient({ session, baseUrl, fetch: fetchFn });
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // A 4xx will not change by asking again; a network failure or 5xx may.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
      mutations: { retry: false },
    },
  });
  const createSocket =
    options.createSocket ?? ((url: string, protocols: string[]) => new WebSocket(url, protocols));
  return { api, session, tokens, queryClient, createSocket };
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({
  services,
  children,
}: {
  services: Services;
  children: ReactNode;
}) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices needs a ServicesProvider above it');
  return services;
}
