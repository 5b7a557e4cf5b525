import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@ajla/testing';
import { Client } from 'pg';
import { api, login, newClient, newStaff } from '../support/api';
import { ChatSocket, refusalStatus } from '../support/chat';
import { submitRequest } from '../support/requests';
import { readSecrets, redacted, type RecordedSecret } from '../support/secrets';
import { e2eState, REPO_ROOT } from '../support/state';

/**
 * Runs last (apps/e2e/test-sequencer.js): every suite before it recorded the passwords it chose
 * and the tokens it was given (support/secrets.ts); this one adds a flow of its own through the
 * paths where secrets travel (so it means something alone too), reads the password and refresh
 * token hashes from the database, and looks for all of them in every service's log.
 */
const LOGS_DIR = path.join(REPO_ROOT, 'tmp/e2e-logs');

/** Secrets no log line may hold whoever they belong to, and unredacted secret fields. */
const LEAK_PATTERNS: { name: string; pattern: RegExp }[] = [
  {
    name: 'an Argon2 hash',
    pattern:
      /\$argon2(id|i|d)\$v=\d+\$[a-z]=\d+(,[a-z]=\d+)*\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}/,
  },
  {
    name: 'a signed JWT',
    pattern: /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/,
  },
  {
    name: 'an unredacted secret field',
    pattern:
      /\\?"(password|password_hash|refresh_token|access_token|token_hash|authorization)\\?"\s*:\s*\\?"(?!\[REDACTED\])[^"\\]{8,}/i,
  },
  { name: 'an unredacted bearer token', pattern: /Bearer\s+(?!\[REDACTED\])[A-Za-z0-9_.-]{20,}/ },
];

async function secretFlow(): Promise<void> {
  const client = await newClient('Audit Client');
  // A failed login, a refresh, a spent token presented again, a logout.
  await api('POST', '/api/v1/auth/login', {
    body: { email: client.email, password: `${client.password}!` },
  });
  const refreshed = await api('POST', '/api/v1/auth/refresh', {
    body: { refresh_token: client.tokens.refresh_token },
  });
  expect(refreshed.status).toBe(200);
  await api('POST', '/api/v1/auth/refresh', {
    body: { refresh_token: client.tokens.refresh_token },
  });
  const second = await login(client.email, client.password);
  await api('POST', '/api/v1/auth/logout', {
    token: second.access_token,
    body: { refresh_token: second.refresh_token },
  });
  // Inputs that reach the database and fail there, and ones refused before it.
  const third = await login(client.email, client.password);
  for (const preferences of [{ k: 'nul\u0000' }, { 'key\u0000': 1 }, { k: 'lone \ud800' }]) {
    await api('PUT', '/api/v1/users/me', { token: third.access_token, body: { preferences } });
  }
  await api('POST', '/api/v1/auth/register', {
    body: {
      email: `audit.${randomUUID().slice(0, 8)}@ajla.test`,
      password: 'audit password 1',
      full_name: 'lone \ud800 name',
    },
  });
  await api('POST', '/api/v1/auth/register', {
    body: { email: client.email, password: 'audit password 2' },
  });
  // Staff, a request, a conversation: through HTTP and the WebSocket, token in the query and as
  // the subprotocol, and a handshake refused.
  const agent = await newStaff('agent');
  const request = await submitRequest({ ...client, tokens: third });
  await api('POST', '/api/v1/messages', {
    token: agent.tokens.access_token,
    body: { conversation_id: request.conversation_id, content: 'Hello from the audit' },
  });
  const socket = await ChatSocket.open(request.conversation_id, third.access_token);
  socket.say('audit over the socket');
  await socket.waitForFrame('ack');
  socket.close();
  const viaProtocol = await ChatSocket.open(request.conversation_id, agent.tokens.access_token, {
    subprotocol: true,
  });
  viaProtocol.close();
  await refusalStatus(ChatSocket.open(request.conversation_id, `${third.access_token}x`));
  await refusalStatus(
    ChatSocket.open(request.conversation_id, third.access_token, { afterSeq: 2 ** 31 }),
  );
  await refusalStatus(ChatSocket.open(randomUUID(), third.access_token));
  // A webhook: its secret at creation and after a rotation, both signing a test event that fails
  // (nothing listens on port 9), so the sender logs its attempts.
  const admin = await newStaff('admin');
  const webhook = await api<{ id: string }>('POST', '/api/v1/admin/webhooks', {
    token: admin.tokens.access_token,
    body: { url: 'http://127.0.0.1:9/audit', events: ['*'] },
  });
  expect(webhook.status).toBe(201);
  const hook = `/api/v1/admin/webhooks/${webhook.body.id}`;
  await api('POST', `${hook}/rotate-secret`, { token: admin.tokens.access_token, body: {} });
  await api('POST', `${hook}/test`, { token: admin.tokens.access_token });
  await waitFor(async () => {
    const deliveries = await api<{ items: { attempts: unknown[] }[] }>(
      'GET',
      `${hook}/deliveries`,
      { token: admin.tokens.access_token },
    );
    return deliveries.body.items.some((d) => d.attempts.length > 0);
  }, 15_000);
  await api('DELETE', hook, { token: admin.tokens.access_token });
}

/** The password and refresh token hashes of every account, from whatever schema holds them. */
async function storedHashes(): Promise<RecordedSecret[]> {
  const db = new Client({ connectionString: e2eState().databaseUrl });
  await db.connect();
  try {
    const columns = await db.query<{ schema: string; table: string; column: string }>(
      `SELECT table_schema AS schema, table_name AS "table", column_name AS "column"
         FROM information_schema.columns
        WHERE column_name IN ('password_hash', 'token_hash')
          AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const hashes: RecordedSecret[] = [];
    for (const { schema, table, column } of columns.rows) {
      const rows = await db.query<{ value: string }>(
        `SELECT "${column}"::text AS value FROM "${schema}"."${table}" WHERE "${column}" IS NOT NULL`,
      );
      const kind = column === 'password_hash' ? 'password_hash' : 'refresh_token_hash';
      for (const { value } of rows.rows) hashes.push({ kind, value });
    }
    return hashes;
  } finally {
    await db.end();
  }
}

interface Leak {
  where: string;
  what: string;
}

/** Every place a secret or a secret-looking value shows in the logs, by file and line. */
function findLeaks(secrets: RecordedSecret[]): Leak[] {
  const leaks: Leak[] = [];
  for (const file of readdirSync(LOGS_DIR).filter((f) => f.endsWith('.log'))) {
    const text = readFileSync(path.join(LOGS_DIR, file), 'utf8');
    const lineAt = (index: number) => text.slice(0, index).split('\n').length;
    for (const secret of secrets) {
      // Also as JSON would escape it (a log line is JSON).
      for (const form of new Set([secret.value, JSON.stringify(secret.value).slice(1, -1)])) {
        const index = text.indexOf(form);
        if (index !== -1) leaks.push({ where: `${file}:${lineAt(index)}`, what: redacted(secret) });
      }
    }
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      for (const { name, pattern } of LEAK_PATTERNS) {
        const match = pattern.exec(line);
        if (match) {
          leaks.push({
            where: `${file}:${i + 1}`,
            what: `${name}: "${match[0].slice(0, 16)}…" (${match[0].length} chars)`,
          });
        }
      }
    });
  }
  return leaks;
}

describe('the logs of the whole e2e run', () => {
  beforeAll(async () => {
    await secretFlow();
    // Log lines are written through pipes: give the last ones a moment to land.
    await new Promise((r) => setTimeout(r, 1000));
  }, 60_000);

  it('hold no password, hash, access or refresh token of any test user, nor webhook secret', async () => {
    // notification-service's development key of the webhook secrets at rest (created at its start).
    const secretsKey: RecordedSecret = {
      kind: 'webhook_secrets_key',
      value: readFileSync(path.join(e2eState().keysDir, 'webhook-secrets.key'), 'utf8').trim(),
    };
    const secrets = [...readSecrets(), ...(await storedHashes()), secretsKey];
    expect(secrets.some((s) => s.kind === 'password')).toBe(true);
    expect(secrets.some((s) => s.kind === 'access_token')).toBe(true);
    expect(secrets.some((s) => s.kind === 'password_hash')).toBe(true);
    expect(secrets.filter((s) => s.kind === 'webhook_secret').length).toBeGreaterThanOrEqual(2);
    expect(readdirSync(LOGS_DIR).some((f) => f.endsWith('.log'))).toBe(true);
    const leaks = findLeaks(secrets);
    if (leaks.length > 0) {
      const shown = leaks.slice(0, 40).map((l) => `  ${l.where}: ${l.what}`);
      throw new Error(
        `${leaks.length} secret(s) in the logs (${LOGS_DIR}):\n${shown.join('\n')}${leaks.length > 40 ? '\n  …' : ''}`,
      );
    }
  }, 120_000);
});
