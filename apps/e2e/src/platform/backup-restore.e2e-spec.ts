import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, waitFor, type TestDatabase } from '@ajla/testing';
import { Client } from 'pg';
import { api, newClient, newStaff, type Account } from '../support/api';
import { startPlatformOnDatabase, type PlatformOnDatabase } from '../support/platform-on-database';
import { assign, submitRequest } from '../support/requests';
import { recordTokens } from '../support/secrets';
import { e2eState, REPO_ROOT } from '../support/state';

/**
 * tools/backup.js (docs/backup.md) against the real platform: what a client made through the
 * gateway is backed up schema by schema, restored into a new, empty database, and a second
 * platform started on that database (fresh broker vhost, Redis prefix and keys) serves it and
 * keeps working.
 */
const SCHEMAS = ['users', 'requests', 'conversations', 'notifications'] as const;
const TOOL = path.join(REPO_ROOT, 'tools/backup.js');

interface ToolRun {
  code: number;
  output: string;
}

function backupTool(...args: string[]): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TOOL, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** One call through the restored platform's gateway (support/api.ts talks to the e2e one). */
async function at(
  gatewayUrl: string,
  method: string,
  route: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${gatewayUrl}${route}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const body =
    text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (res.ok) recordTokens(body);
  return { status: res.status, body };
}

async function loginAt(gatewayUrl: string, account: Account): Promise<string> {
  const res = await at(gatewayUrl, 'POST', '/api/v1/auth/login', {
    body: { email: account.email, password: account.password },
  });
  expect(res.status).toBe(200);
  return res.body.access_token;
}

async function query<T = any>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('backup and restore (tools/backup.js)', () => {
  let dir: string;
  const databases: TestDatabase[] = [];
  let restored: PlatformOnDatabase | undefined;

  // What the client made on the e2e platform, backed up once for every test below.
  let client: Account;
  let agent: Account;
  let request: any;
  let firstMessage: any;
  let notificationIds: string[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ajla-backup-'));
    client = await newClient('Backup Client');
    agent = await newStaff('agent');
    request = await submitRequest(client, {
      type: 'travel',
      description: 'Backup drill: a train to Lyon',
    });
    const posted = await api('POST', '/api/v1/messages', {
      token: client.tokens.access_token,
      body: { conversation_id: request.conversation_id, content: 'A window seat, please 🚆' },
    });
    expect(posted.status).toBe(201);
    firstMessage = posted.body;
    expect((await assign(agent, request.id)).status).toBe(200);
    const reply = await api('POST', '/api/v1/messages', {
      token: agent.tokens.access_token,
      body: { conversation_id: request.conversation_id, content: 'Booked: coach 3, seat 42.' },
    });
    expect(reply.status).toBe(201);
    // The reply reaches notification-service through the broker: the client is told.
    notificationIds = await waitFor(
      async () => {
        const res = await api('GET', '/api/v1/notifications', {
          token: client.tokens.access_token,
        });
        return res.body.items?.length > 0
          ? (res.body.items as { id: string }[]).map((n) => n.id)
          : undefined;
      },
      30_000,
      200,
    );
    // Each schema on its own, one file each.
    for (const schema of SCHEMAS) {
      const run = await backupTool(
        'backup',
        '--schema',
        schema,
        '--out',
        path.join(dir, `${schema}.dump`),
        '--database-url',
        e2eState().databaseUrl,
      );
      expect(run).toMatchObject({ code: 0 });
      expect(run.output).toContain(`backed up schema ${schema}`);
    }
  }, 120_000);

  afterAll(async () => {
    await restored?.stop();
    for (const db of databases) await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('restores every schema into an empty database, where the platform serves the data and keeps working', async () => {
    const target = await createTestDatabase('restore_all');
    databases.push(target);
    for (const schema of SCHEMAS) {
      const run = await backupTool(
        'restore',
        '--in',
        path.join(dir, `${schema}.dump`),
        '--database-url',
        target.url,
      );
      expect(run).toMatchObject({ code: 0 });
      expect(run.output).toContain(`restored schema ${schema}`);
    }
    // Each schema's migrations table came along: the services do not run them again.
    const source = e2eState().databaseUrl;
    for (const schema of SCHEMAS) {
      const sql = `SELECT name FROM "${schema}".migrations ORDER BY id`;
      expect(await query(target.url, sql)).toEqual(await query(source, sql));
    }

    restored = await startPlatformOnDatabase(target.url, 'restored');
    const gw = restored.gatewayUrl;
    const token = await loginAt(gw, client);
    for (const schema of SCHEMAS) {
      const sql = `SELECT count(*)::int AS n FROM "${schema}".migrations`;
      expect(await query(target.url, sql)).toEqual(await query(source, sql));
    }

    // Everything the client had is there.
    const seen = await at(gw, 'GET', `/api/v1/requests/${request.id}`, { token });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({
      id: request.id,
      description: 'Backup drill: a train to Lyon',
      status: 'assigned',
      conversation_id: request.conversation_id,
    });
    const conversation = await at(gw, 'GET', `/api/v1/conversations/${request.conversation_id}`, {
      token,
    });
    expect(conversation.status).toBe(200);
    expect(conversation.body.messages.map((m: any) => [m.seq, m.content])).toEqual([
      [1, 'Backup drill: a train to Lyon'],
      [2, 'A window seat, please 🚆'],
      [3, 'Booked: coach 3, seat 42.'],
    ]);
    expect(conversation.body.messages[1].id).toBe(firstMessage.id);
    const notifications = await at(gw, 'GET', '/api/v1/notifications', { token });
    expect(notifications.status).toBe(200);
    expect(notifications.body.items.map((n: any) => n.id)).toEqual(notificationIds);

    // ...and it keeps working: a message continues the conversation's seq, a new request gets
    // its conversation at once, the agent (known to request-service from the restored schema)
    // takes it and replies, and the client is told: the sequences went on from where they were.
    const next = await at(gw, 'POST', '/api/v1/messages', {
      token,
      body: { conversation_id: request.conversation_id, content: 'And after the restore?' },
    });
    expect(next.status).toBe(201);
    expect(next.body.seq).toBe(4);
    const second = await at(gw, 'POST', '/api/v1/requests', {
      token,
      body: { type: 'dining', description: 'Dinner after the restore' },
    });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(request.id);
    const secondConversation = await at(
      gw,
      'GET',
      `/api/v1/conversations/${second.body.conversation_id}`,
      { token },
    );
    expect(secondConversation.status).toBe(200);
    expect(secondConversation.body.messages[0]).toMatchObject({ seq: 1 });
    const agentToken = await loginAt(gw, agent);
    const assigned = await waitFor(
      async () => {
        const res = await at(gw, 'POST', `/api/v1/admin/requests/${second.body.id}/assign`, {
          token: agentToken,
          body: {},
        });
        return res.status === 200 ? res : undefined;
      },
      10_000,
      200,
    );
    expect(assigned.body.status).toBe('assigned');
    const secondReply = await at(gw, 'POST', '/api/v1/messages', {
      token: agentToken,
      body: { conversation_id: second.body.conversation_id, content: 'Table for two at 8.' },
    });
    expect(secondReply.status).toBe(201);
    const after = await waitFor(
      async () => {
        const res = await at(gw, 'GET', '/api/v1/notifications', { token });
        return res.body.items?.length > notificationIds.length ? res.body.items : undefined;
      },
      30_000,
      200,
    );
    const ids = after.map((n: any) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(notificationIds));

    // No sequence restarted: every outbox has distinct numbers, and each sequence stands at or
    // beyond its column's largest value; so does each person's count of their notifications.
    const sequenced = SCHEMAS.map((s) => [s, 'outbox_messages', 'seq'] as const);
    const [behind] = await query(
      target.url,
      `SELECT count(*)::int AS recipients FROM (
         SELECT n.recipient_id FROM notifications.notifications n
           LEFT JOIN notifications.notification_sequences q USING (recipient_id)
          GROUP BY n.recipient_id HAVING max(n.seq) > coalesce(max(q.last_seq), 0)) r`,
    );
    expect(behind.recipients).toBe(0);
    for (const [schema, table, column] of sequenced) {
      const [row] = await query(
        target.url,
        `SELECT count(*)::int AS total, count(DISTINCT "${column}")::int AS distinct_values,
                coalesce(max("${column}"), 0)::bigint AS max_value,
                (SELECT last_value FROM ${await sequenceOf(target.url, schema, table, column)})::bigint AS last_value
           FROM "${schema}"."${table}"`,
      );
      expect(row.distinct_values).toBe(row.total);
      expect(BigInt(row.last_value)).toBeGreaterThanOrEqual(BigInt(row.max_value));
    }
  }, 240_000);

  it('restores one schema alone into an empty database, the others absent', async () => {
    const target = await createTestDatabase('restore_one');
    databases.push(target);
    const run = await backupTool(
      'restore',
      '--schema',
      'requests',
      '--in',
      path.join(dir, 'requests.dump'),
      '--database-url',
      target.url,
    );
    expect(run).toMatchObject({ code: 0 });
    const schemas = await query(
      target.url,
      `SELECT nspname FROM pg_namespace WHERE nspname = ANY('{users,requests,conversations,notifications}') ORDER BY 1`,
    );
    expect(schemas).toEqual([{ nspname: 'requests' }]);
    const [row] = await query(
      target.url,
      `SELECT description, status FROM requests.requests WHERE id = '${request.id}'`,
    );
    expect(row).toEqual({ description: 'Backup drill: a train to Lyon', status: 'assigned' });
  }, 60_000);

  it('refuses to restore over a schema that holds tables, and replaces it only with --force', async () => {
    const target = await createTestDatabase('restore_refused');
    databases.push(target);
    const args = ['restore', '--in', path.join(dir, 'conversations.dump')];
    expect(await backupTool(...args, '--database-url', target.url)).toMatchObject({ code: 0 });
    await query(target.url, `DELETE FROM conversations.messages WHERE seq = 2`);

    const refused = await backupTool(...args, '--database-url', target.url);
    expect(refused.code).toBe(3);
    expect(refused.output).toMatch(/refused: schema "conversations" .* already holds \d+ tables/);
    const count = `SELECT count(*)::int AS n FROM conversations.messages WHERE conversation_id = '${request.conversation_id}'`;
    expect(await query(target.url, count)).toEqual([{ n: 2 }]); // untouched

    const forced = await backupTool(...args, '--force', '--database-url', target.url);
    expect(forced).toMatchObject({ code: 0 });
    expect(await query(target.url, count)).toEqual([{ n: 3 }]);
  }, 60_000);

  it('never prints the database password, and says what is wrong', async () => {
    const password = 'Backup-Pw-7f3a9c';
    const url = new URL(e2eState().databaseUrl);
    url.username = 'postgres';
    url.password = password; // trust auth on the test server: accepted, and unused
    const ok = await backupTool(
      'backup',
      '--schema',
      'users',
      '--out',
      path.join(dir, 'with-password.dump'),
      '--database-url',
      url.toString(),
    );
    expect(ok.code).toBe(0);
    url.pathname = '/ajla_no_such_database';
    const failed = await backupTool(
      'backup',
      '--schema',
      'users',
      '--out',
      path.join(dir, 'never.dump'),
      '--database-url',
      url.toString(),
    );
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/cannot connect to postgres:\/\/postgres:\*\*\*@/);
    for (const run of [ok, failed]) expect(run.output).not.toContain(password);

    const usage = await backupTool('restore', '--database-url', url.toString());
    expect(usage.code).toBe(2);
    const notAnArchive = await backupTool(
      'restore',
      '--in',
      TOOL,
      '--database-url',
      url.toString(),
    );
    expect(notAnArchive.code).toBe(1);
    expect(notAnArchive.output).toContain('is not a pg_dump custom-format archive');
  }, 60_000);
});

/** The sequence behind a serial or identity column, schema-qualified. */
async function sequenceOf(url: string, schema: string, table: string, column: string) {
  const [row] = await query(
    url,
    `SELECT pg_get_serial_sequence('"${schema}"."${table}"', '${column}') AS name`,
  );
  return row.name as string;
}
