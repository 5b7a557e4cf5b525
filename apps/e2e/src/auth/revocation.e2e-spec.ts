import { randomUUID } from 'node:crypto';
import {
  adminTokens,
  api,
  login,
  newClient,
  newStaff,
  type Account,
  type Tokens,
} from '../support/api';
import { ChatSocket, HandshakeRefused } from '../support/chat';
import { submitRequest } from '../support/requests';
import { e2eState } from '../support/state';

/** A revoked session must stop everywhere within a second (ARCHITECTURE.md, Security). */
const WITHIN_MS = 1000;

/**
 * Polls `probe` until it returns something. Fails when a probe sent more than `WITHIN_MS` after
 * `since` still finds the old state (a slow probe sent in time proves nothing either way).
 */
async function withinASecond<T>(
  since: number,
  what: string,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  let last: unknown;
  for (;;) {
    const sentAt = Date.now();
    const found = await probe().catch((error: unknown) => ((last = error), undefined));
    if (found !== undefined) return found;
    if (sentAt - since > WITHIN_MS) {
      throw new Error(`${what} did not happen within ${WITHIN_MS} ms${last ? `: ${last}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The claims of a JWT, read without verifying it (what the token says about itself). */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/** A GET straight to a service, past the gateway (each service verifies tokens itself too). */
async function direct(service: string, path: string, token: string) {
  const res = await fetch(`${e2eState().serviceUrls[service]}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** A protected read of each service, and the status a valid token of a client gets there. */
const READS = [
  { service: 'user-service', path: '/api/v1/users/me', ok: 200 },
  { service: 'request-service', path: '/api/v1/requests', ok: 200 },
  // Authentication comes before the lookup: a live token gets 404 for an unknown conversation.
  { service: 'conversation-service', path: `/api/v1/conversations/${randomUUID()}`, ok: 404 },
];

describe('a revoked session stops within a second everywhere', () => {
  let admin: Tokens;
  beforeAll(async () => {
    admin = await adminTokens();
  });

  it('refuses the access token of a logged-out session at the gateway and at every service (401 session_revoked); other sessions go on', async () => {
    const client = await newClient();
    const other = await login(client.email, client.password);
    const token = client.tokens.access_token;
    for (const read of READS) {
      expect((await api('GET', read.path, { token })).status).toBe(read.ok);
      expect((await direct(read.service, read.path, token)).status).toBe(read.ok);
    }

    const out = await api('POST', '/api/v1/auth/logout', {
      token,
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(out.status).toBe(204);
    const loggedOutAt = Date.now();

    for (const read of READS) {
      const atGateway = await withinASecond(
        loggedOutAt,
        `401 at the gateway on ${read.path}`,
        async () => {
          const res = await api('GET', read.path, { token });
          return res.status === 401 ? res : undefined;
        },
      );
      expect(atGateway.body).toEqual({
        detail: 'Session has ended: sign in again',
        code: 'session_revoked',
      });
      expect(atGateway.headers.get('www-authenticate')).toBe('Bearer');
      const atService = await withinASecond(loggedOutAt, `401 from ${read.service}`, async () => {
        const res = await direct(read.service, read.path, token);
        return res.status === 401 ? res : undefined;
      });
      expect(atService.body).toEqual({
        detail: 'Session has ended: sign in again',
        code: 'session_revoked',
      });
    }

    // The same account's other session is untouched, at the gateway and at every service.
    for (const read of READS) {
      expect((await api('GET', read.path, { token: other.access_token })).status).toBe(read.ok);
      expect((await direct(read.service, read.path, other.access_token)).status).toBe(read.ok);
    }
    const refreshed = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: other.refresh_token },
    });
    expect(refreshed.status).toBe(200);
  });

  it('refuses the access tokens of a family revoked by a refresh-token reuse', async () => {
    const client = await newClient();
    const rotated = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(rotated.status).toBe(200);
    const newest = rotated.body.access_token as string;
    // Tokens name their session, and a refresh stays in it; another login is another session.
    const sid = claimsOf(client.tokens.access_token).sid;
    expect(sid).toEqual(expect.any(String));
    expect(claimsOf(newest).sid).toBe(sid);
    const elsewhere = await login(client.email, client.password);
    expect(claimsOf(elsewhere.access_token).sid).not.toBe(sid);
    expect((await api('GET', '/api/v1/users/me', { token: newest })).status).toBe(200);

    const reuse = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(reuse.status).toBe(401);
    const revokedAt = Date.now();

    for (const token of [client.tokens.access_token, newest]) {
      const res = await withinASecond(revokedAt, '401 after the reuse', async () => {
        const answer = await api('GET', '/api/v1/requests', { token });
        return answer.status === 401 ? answer : undefined;
      });
      expect(res.body.code).toBe('session_revoked');
    }
  });

  it("gives a demoted agent's old token a user's rights within a second: 403 on the staff queue", async () => {
    const agent = await newStaff('agent');
    const token = agent.tokens.access_token;
    expect((await api('GET', '/api/v1/admin/requests', { token })).status).toBe(200);

    const demoted = await api('PATCH', `/api/v1/admin/users/${agent.id}`, {
      token: admin.access_token,
      body: { role: 'user' },
    });
    expect(demoted.status).toBe(200);
    const demotedAt = Date.now();

    const atGateway = await withinASecond(demotedAt, '403 at the gateway', async () => {
      const res = await api('GET', '/api/v1/admin/requests', { token });
      return res.status === 403 ? res : undefined;
    });
    expect(atGateway.body).toEqual({
      detail: 'Only agent or admin may do this',
      code: 'role_not_allowed',
    });
    await withinASecond(demotedAt, '403 from request-service itself', async () => {
      const res = await direct('request-service', '/api/v1/admin/requests', token);
      return res.status === 403 ? res : undefined;
    });
    // Not signed out: what a user may do, the old token still does.
    expect((await api('GET', '/api/v1/requests', { token })).status).toBe(200);
    expect((await api('GET', '/api/v1/users/me', { token })).body.role).toBe('user');
  });

  it("gives a promoted user's old token the staff rights within a second", async () => {
    const client = await newClient();
    const token = client.tokens.access_token;
    expect((await api('GET', '/api/v1/admin/requests', { token })).status).toBe(403);

    const promoted = await api('PATCH', `/api/v1/admin/users/${client.id}`, {
      token: admin.access_token,
      body: { role: 'agent', tier: 25000 },
    });
    expect(promoted.status).toBe(200);
    const promotedAt = Date.now();

    await withinASecond(promotedAt, '200 on the staff queue', async () => {
      const res = await api('GET', '/api/v1/admin/requests', { token });
      return res.status === 200 ? res : undefined;
    });
    await withinASecond(promotedAt, '200 from request-service itself', async () => {
      const res = await direct('request-service', '/api/v1/admin/requests', token);
      return res.status === 200 ? res : undefined;
    });
  });

  it('closes the open chat WebSocket of a logged-out session (1008 "session revoked"), not those of other sessions', async () => {
    const client: Account = await newClient();
    const request = await submitRequest(client);
    const other = await login(client.email, client.password);
    const ended = await ChatSocket.open(request.conversation_id, client.tokens.access_token);
    const kept = await ChatSocket.open(request.conversation_id, other.access_token, {
      subprotocol: true,
    });

    const out = await api('POST', '/api/v1/auth/logout', {
      token: client.tokens.access_token,
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(out.status).toBe(204);
    const loggedOutAt = Date.now();

    await withinASecond(loggedOutAt, 'the close of the socket', async () => ended.closeCode);
    expect(ended.closeCode).toBe(1008);
    expect(ended.closeReason).toBe('session revoked');

    // The other session's socket still carries the conversation.
    const posted = await api('POST', '/api/v1/messages', {
      token: other.access_token,
      body: { conversation_id: request.conversation_id, content: 'still here' },
    });
    expect(posted.status).toBe(201);
    await kept.waitForSeq(posted.body.seq);
    expect(kept.closeCode).toBeUndefined();
    kept.close();

    // And the old token cannot open a new one.
    const refused = await ChatSocket.open(
      request.conversation_id,
      client.tokens.access_token,
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HandshakeRefused);
    expect((refused as HandshakeRefused).status).toBe(401);
  });
});
