import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';

import { AppProviders, routes } from '../app';
import { createServices } from '../services';
import { FakeSocket } from './fake-socket';

export type Handler = (request: Request) => Response | Promise<Response>;

export function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
}

/**
 * A stand-in for the gateway: answers by "METHOD /path" (no query), 404 JSON otherwise, and keeps
 * every request it was sent (with its body already read, as `body`).
 */
export function fakeGateway(handlers: Record<string, Handler>) {
  const calls: { method: string; path: string; url: URL; headers: Headers; body: unknown }[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request =
      input instanceof Request ? input : new Request(new URL(String(input), location.href), init);
    const url = new URL(request.url);
    const text = await request.clone().text();
    calls.push({
      method: request.method,
      path: url.pathname,
      url,
      headers: request.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    });
    const handler = handlers[`${request.method} ${url.pathname}`];
    return handler ? handler(request) : json(404, { detail: 'Not found', code: 'not_found' });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

export const USER = {
  id: '0190a1b2-0000-7000-8000-000000000001',
  email: 'layla@example.com',
  full_name: 'Layla',
  tier: 5000,
  role: 'user',
  preferences: {},
  created_at: '2026-01-01T10:00:00.000Z',
} as const;

export function aRequest(overrides: Record<string, unknown> = {}) {
  return {
    id: '0190a1b2-0000-7000-8000-0000000000aa',
    user_id: USER.id,
    type: 'dining',
    description: 'A table for four, Friday 8 pm',
    status: 'new',
    assignee_id: null,
    conversation_id: '0190a1b2-0000-7000-8000-0000000000cc',
    created_at: '2026-01-02T10:00:00.000Z',
    updated_at: '2026-01-02T10:00:00.000Z',
    ...overrides,
  };
}

/** The whole app at `path`, talking to a fake gateway; `signedIn` puts a session in storage first. */
export function renderApp(
  path: string,
  {
    handlers = {},
    signedIn = false,
  }: { handlers?: Record<string, Handler>; signedIn?: boolean } = {},
) {
  const gateway = fakeGateway({ 'GET /api/v1/users/me': () => json(200, USER), ...handlers });
  // Sockets stay connecting (the screens poll, as while offline) until a test opens one.
  const sockets: FakeSocket[] = [];
  const services = createServices({
    fetch: gateway.fetch,
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
  });
  if (signedIn) {
    services.tokens.set({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
      expiresAt: Date.now() + 15 * 60_000,
    });
  }
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const user = userEvent.setup();
  render(
    <AppProviders services={services}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...gateway, services, router, user, sockets };
}
