import { api, type Account } from './api';

export const REQUEST_TYPES = ['travel', 'dining', 'events', 'shopping'] as const;

export async function submitRequest(
  client: Account,
  body: { type: string; description: string } = {
    type: 'dining',
    description: 'A table for two at 8pm',
  },
): Promise<any> {
  const res = await api('POST', '/api/v1/requests', { token: client.tokens.access_token, body });
  if (res.status !== 201)
    throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Assigns through the admin API. request-service learns who is staff from user events, so an
 * agent created a moment ago may need a few milliseconds to become assignable: retried briefly.
 */
export async function assign(staff: Account, requestId: string, agentId?: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await api('POST', `/api/v1/admin/requests/${requestId}/assign`, {
      token: staff.tokens.access_token,
      body: agentId === undefined ? {} : { agent_id: agentId },
    });
    if (res.status !== 409 || res.body.code !== 'assignee_not_staff' || Date.now() > deadline) {
      return res;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function setStatus(staff: Account, requestId: string, status: string) {
  return api('POST', `/api/v1/admin/requests/${requestId}/status`, {
    token: staff.tokens.access_token,
    body: { status },
  });
}
