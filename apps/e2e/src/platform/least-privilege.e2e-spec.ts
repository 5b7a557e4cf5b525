import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, testPostgresUrl } from '@ajla/testing';
import amqp from 'amqplib';
import { Client } from 'pg';
import { newClient } from '../support/api';
import { provisionTools } from '../support/provision';
import { submitRequest } from '../support/requests';
import { e2eState } from '../support/state';

// The platform of this run runs as tools/provision.js provisions it (global-setup): each service
// as its own Postgres runtime role, migrated by its schema's owner role, and its own RabbitMQ user.

const EXCHANGE = 'ajla.events';

async function withPostgres<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/**
 * Runs `fn` on a channel of its own and resolves to the AMQP reply code the broker closed the
 * channel with (403: ACCESS_REFUSED), or 200 when it stayed open.
 */
async function channelOutcome(
  url: string,
  fn: (channel: amqp.ConfirmChannel) => Promise<unknown>,
): Promise<number> {
  const connection = await amqp.connect(url);
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createConfirmChannel();
    const closed = new Promise<number>((resolve) => {
      channel.on('error', (error: { code?: number }) => resolve(error.code ?? 0));
      channel.on('close', () => resolve(0));
    });
    const done = fn(channel).then(
      () => 200,
      (error: { code?: number }) => error.code ?? 0,
    );
    // A refused publish is only told by closing the channel; a refused RPC rejects too.
    const outcome = await Promise.race([closed, done]);
    const code =
      outcome === 200 ? await Promise.race([closed, delay(300).then(() => 200)]) : outcome;
    await channel.close().catch(() => undefined);
    return code;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('least privilege: each service runs as its own role and user', () => {
  const state = () => e2eState().leastPrivilege;
  const requestService = () => state().services['request-service'];

  it('the services run as their runtime roles (no superuser), their tables owned by the owner roles', async () => {
    // Some traffic, so that every service has done its usual work as its runtime role.
    const client = await newClient();
    await submitRequest(client, { type: 'shopping', description: 'least privilege, please' });

    await withPostgres(e2eState().databaseUrl, async (admin) => {
      for (const [app, urls] of Object.entries(state().services)) {
        const runtime = roleOf(urls.DATABASE_URL);
        const owner = roleOf(urls.DATABASE_MIGRATION_URL);
        const { rows: roles } = await admin.query<{ rolname: string; rolsuper: boolean }>(
          'SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
          [[runtime, owner]],
        );
        expect(roles).toHaveLength(2);
        for (const role of roles) {
          expect(role).toMatchObject({ rolsuper: false, rolcreatedb: false, rolcreaterole: false });
        }
        const schema = { 'user-service': 'users', 'request-service': 'requests' }[app];
        if (schema) {
          const { rows: owners } = await admin.query<{ tableowner: string }>(
            'SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = $1',
            [schema],
          );
          expect(owners).toEqual([{ tableowner: owner }]);
        }
      }
      // Every backend's pool is connected as its runtime role, named after its schema.
      const { rows: sessions } = await admin.query<{ usename: string; application_name: string }>(
        "SELECT DISTINCT usename, application_name FROM pg_stat_activity WHERE usename LIKE $1 || '%' AND application_name LIKE 'ajla-%'",
        [state().prefix],
      );
      expect(sessions).toEqual(
        expect.arrayContaining([
          { usename: `${state().prefix}users_app`, application_name: 'ajla-users' },
          { usename: `${state().prefix}requests_app`, application_name: 'ajla-requests' },
          { usename: `${state().prefix}conversations_app`, application_name: 'ajla-conversations' },
          { usename: `${state().prefix}notifications_app`, application_name: 'ajla-notifications' },
        ]),
      );
    });
  });

  it("request-service's runtime role reads and writes its own schema, nothing else, and creates nothing", async () => {
    await withPostgres(requestService().DATABASE_URL, async (db) => {
      await expect(db.query('SELECT count(*) FROM requests.requests')).resolves.toBeDefined();
      await db.query('BEGIN');
      await db.query('UPDATE requests.outbox_messages SET published_at = published_at WHERE false');
      await db.query('ROLLBACK');

      await expect(db.query('SELECT * FROM users.users LIMIT 1')).rejects.toMatchObject({
        code: '42501', // insufficient_privilege: permission denied for schema users
      });
      await expect(
        db.query('SELECT * FROM conversations.outbox_messages LIMIT 1'),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(db.query('CREATE TABLE requests.intruder (id int)')).rejects.toMatchObject({
        code: '42501',
      });
      await expect(db.query('CREATE TABLE public.intruder (id int)')).rejects.toMatchObject({
        code: '42501',
      });
      await expect(db.query('DROP TABLE requests.requests')).rejects.toMatchObject({
        code: '42501', // must be owner
      });
      await expect(db.query('CREATE SCHEMA intruder')).rejects.toMatchObject({ code: '42501' });
      await expect(
        db.query(`SET ROLE "${roleOf(requestService().DATABASE_MIGRATION_URL)}"`),
      ).rejects.toMatchObject({ code: '42501' });
    });
  });

  it("request-service's owner role (migrations) cannot read another service's schema either", async () => {
    await withPostgres(requestService().DATABASE_MIGRATION_URL, async (db) => {
      await expect(db.query('SELECT * FROM users.users LIMIT 1')).rejects.toMatchObject({
        code: '42501',
      });
      await expect(db.query('CREATE SCHEMA intruder')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it("a service's RabbitMQ user uses its own queues and the events exchange, nothing else", async () => {
    if (!state().rabbitmq) {
      // rabbitmqctl was not available: the run uses the default vhost as the guest user.
      return;
    }
    const url = requestService().RABBITMQ_URL!;
    // Its own: checks its queue, publishes on the events exchange (an unbound key: nobody gets it).
    await expect(
      channelOutcome(url, (channel) => channel.checkQueue('request-service.events')),
    ).resolves.toBe(200);
    await expect(
      channelOutcome(url, async (channel) => {
        channel.publish(EXCHANGE, 'least_privilege.probe', Buffer.from('{}'));
        await channel.waitForConfirms();
      }),
    ).resolves.toBe(200);

    // Another service's queue: neither consumed, nor read, nor declared, nor bound.
    await expect(
      channelOutcome(url, (channel) =>
        channel.consume('notification-service.events', () => undefined),
      ),
    ).resolves.toBe(403);
    await expect(
      channelOutcome(url, (channel) => channel.get('conversation-service.events.dlq')),
    ).resolves.toBe(403);
    await expect(
      channelOutcome(url, (channel) =>
        channel.assertQueue('conversation-service.events.spy', { durable: false }),
      ),
    ).resolves.toBe(403);
    await expect(
      channelOutcome(url, (channel) =>
        channel.bindQueue('user-service.events', EXCHANGE, 'request.submitted'),
      ),
    ).resolves.toBe(403);
    // Nor a queue of its own choosing, nor another exchange.
    await expect(
      channelOutcome(url, (channel) => channel.assertQueue('spy', { durable: false })),
    ).resolves.toBe(403);
    await expect(
      channelOutcome(url, async (channel) => {
        channel.publish('amq.topic', 'request.submitted', Buffer.from('{}'));
        await channel.waitForConfirms();
      }),
    ).resolves.toBe(403);
    await expect(
      channelOutcome(url, (channel) => channel.deleteQueue('notification-service.events')),
    ).resolves.toBe(403);

    // No way into another service's queue: not through the default exchange (which reaches every
    // queue by name), nor through that service's copies exchange; its own copies exchange only.
    await expect(
      channelOutcome(url, async (channel) => {
        channel.sendToQueue('notification-service.events', Buffer.from('{}'));
        await channel.waitForConfirms();
      }),
    ).resolves.toBe(403);
    await expect(
      channelOutcome(url, async (channel) => {
        channel.publish(
          'notification-service.events.copies',
          'notification-service.events',
          Buffer.from('{}'),
        );
        await channel.waitForConfirms();
      }),
    ).resolves.toBe(403);
    await expect(
      channelOutcome(url, async (channel) => {
        // A name that is none of its queues: the copy goes nowhere.
        channel.publish(
          'request-service.events.copies',
          'least_privilege.probe',
          Buffer.from('{}'),
        );
        await channel.waitForConfirms();
      }),
    ).resolves.toBe(200);
    // The topology is the topology step's: the service can neither declare nor delete the
    // exchange, nor delete or redeclare its own queue.
    await expect(channelOutcome(url, (channel) => channel.deleteExchange(EXCHANGE))).resolves.toBe(
      403,
    );
    await expect(
      channelOutcome(url, (channel) =>
        channel.assertExchange(EXCHANGE, 'topic', { durable: true }),
      ),
    ).resolves.toBe(403);
    await expect(
      channelOutcome(url, (channel) => channel.deleteQueue('request-service.events')),
    ).resolves.toBe(403);
    await expect(channelOutcome(url, (channel) => channel.checkExchange(EXCHANGE))).resolves.toBe(
      200,
    );
  });

  it('with rabbitmqctl, provisioning makes a missing vhost, and a re-run sets the new passwords', async () => {
    // rabbitmqctl works only on the broker's machine; without it the run left the broker alone.
    if (!state().rabbitmq) return;
    const db = await createTestDatabase('provision');
    const prefix = `ajla_t_${randomBytes(4).toString('hex')}_`;
    const vhost = `${prefix}vhost`;
    const options = {
      databaseUrl: db.url,
      rabbitmqUrl: `amqp://guest:guest@127.0.0.1:5672/${vhost}`,
      prefix,
    };
    const login = (url: string) =>
      amqp.connect(url).then(
        (connection) => connection.close().then(() => 'accepted'),
        (error: Error) => error.message,
      );
    try {
      const first = await provisionTools().provision(options);
      const second = await provisionTools().provision({
        ...options,
        env: { REQUEST_SERVICE_RABBITMQ_PASSWORD: `Rotated-${randomBytes(6).toString('hex')}` },
      });
      const before = first.services['request-service'].RABBITMQ_URL!;
      const after = second.services['request-service'].RABBITMQ_URL!;
      await expect(login(after)).resolves.toBe('accepted');
      await expect(login(before)).resolves.toMatch(/ACCESS-REFUSED/);
      await expect(login(second.topologyRabbitmqUrl!)).resolves.toBe('accepted');
      // Its user has its own permissions in the new vhost: it may not declare anything.
      await expect(
        channelOutcome(after, (channel) => channel.assertQueue('request-service.events.mine')),
      ).resolves.toBe(403);
    } finally {
      await db.drop();
      await provisionTools().unprovision({ ...options, databaseUrl: testPostgresUrl() });
      execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
    }
  });

  it("outside production a state file keeps the generated passwords: the next run finds the broker's users as they were and skips rabbitmqctl", async () => {
    if (!state().rabbitmq) return;
    const db = await createTestDatabase('provision');
    const prefix = `ajla_t_${randomBytes(4).toString('hex')}_`;
    const vhost = `${prefix}vhost`;
    const folder = mkdtempSync(path.join(tmpdir(), 'ajla-provision-state-'));
    const statePath = path.join(folder, 'state.json');
    const lines: string[] = [];
    const options = {
      databaseUrl: db.url,
      rabbitmqUrl: `amqp://guest:guest@127.0.0.1:5672/${vhost}`,
      prefix,
      statePath,
      log: (line: string) => lines.push(line),
    };
    const run = async () => {
      lines.splice(0);
      const provisioned = await provisionTools().provision(options);
      const broker = lines.find((line) => line.startsWith('rabbitmq'))!;
      return { provisioned, appliedAgain: !/not applied again/.test(broker) };
    };
    const login = (url: string) =>
      amqp.connect(url).then(
        (connection) => connection.close().then(() => 'accepted'),
        (error: Error) => error.message,
      );
    try {
      const first = await run();
      expect(first.appliedAgain).toBe(true);
      expect(statSync(statePath).mode & 0o777).toBe(0o600);
      const second = await run();
      expect(second.appliedAgain).toBe(false);
      expect(second.provisioned.services).toEqual(first.provisioned.services);
      const requestUrl = second.provisioned.services['request-service'];
      await expect(login(requestUrl.RABBITMQ_URL!)).resolves.toBe('accepted');
      await withPostgres(requestUrl.DATABASE_URL, (app) => app.query('SELECT 1'));
      // The broker lost a user (reset, deleted by hand): its login fails, so all is applied again.
      execFileSync('rabbitmqctl', ['delete_user', `${prefix}request-service`], { stdio: 'ignore' });
      const third = await run();
      expect(third.appliedAgain).toBe(true);
      await expect(login(requestUrl.RABBITMQ_URL!)).resolves.toBe('accepted');
      // A password set in the environment changes what the users must be: applied again.
      const rotated = `Rotated-${randomBytes(6).toString('hex')}`;
      lines.splice(0);
      const withEnv = await provisionTools().provision({
        ...options,
        env: { REQUEST_SERVICE_RABBITMQ_PASSWORD: rotated },
      });
      expect(lines.some((line) => /not applied again/.test(line))).toBe(false);
      await expect(login(withEnv.services['request-service'].RABBITMQ_URL!)).resolves.toBe(
        'accepted',
      );
      // Kept: only what was generated, never what came from the environment.
      expect(readFileSync(statePath, 'utf8')).not.toContain(rotated);
    } finally {
      await db.drop();
      await provisionTools().unprovision({ ...options, databaseUrl: testPostgresUrl() });
      // unprovision forgets what was kept for the prefix.
      expect(JSON.parse(readFileSync(statePath, 'utf8'))).toEqual({});
      execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('in production no state is kept: every password comes from the environment', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'ajla-provision-state-'));
    const statePath = path.join(folder, 'state.json');
    const db = await createTestDatabase('provision');
    const prefix = `ajla_t_${randomBytes(4).toString('hex')}_`;
    const env: Record<string, string> = {};
    for (const service of ['USER', 'REQUEST', 'CONVERSATION', 'NOTIFICATION']) {
      for (const kind of ['DB_OWNER', 'DB']) {
        env[`${service}_SERVICE_${kind}_PASSWORD`] = `Pw-${randomBytes(8).toString('hex')}`;
      }
    }
    const options = { databaseUrl: db.url, prefix, rabbitmq: false, statePath, production: true };
    try {
      await expect(provisionTools().provision(options)).rejects.toThrow(/is required/);
      await provisionTools().provision({ ...options, env });
      expect(existsSync(statePath)).toBe(false);
    } finally {
      await db.drop();
      await provisionTools().unprovision({ ...options, databaseUrl: testPostgresUrl() });
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('provisioning is idempotent, takes over a schema the superuser migrated, and can use the management API', async () => {
    const db = await createTestDatabase('provision');
    const prefix = `ajla_t_${randomBytes(4).toString('hex')}_`;
    // A stand-in for the RabbitMQ management API: records each call.
    const calls: { method: string; path: string; body: unknown }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        calls.push({
          method: req.method!,
          path: decodeURIComponent(req.url!),
          body: body ? JSON.parse(body) : undefined,
        });
        const authorised = req.headers.authorization === `Basic ${btoa('admin:secret')}`;
        res.statusCode = authorised ? 204 : 401;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const managementUrl = `http://admin:secret@127.0.0.1:${(server.address() as AddressInfo).port}`;
    const options = {
      databaseUrl: db.url,
      rabbitmqUrl: 'amqp://127.0.0.1:5672/ajla-vhost',
      rabbitmqManagementUrl: managementUrl,
      prefix,
    };
    try {
      // Before least privilege: the superuser made the schema and its tables.
      await withPostgres(db.url, (admin) =>
        admin.query(
          `CREATE SCHEMA requests; CREATE TABLE requests.notes (id serial PRIMARY KEY, text text);
           CREATE SEQUENCE requests.tickets; CREATE TYPE requests.mood AS ENUM ('ok');
           CREATE FUNCTION requests.twice(int, text, text, timestamptz, uuid[]) RETURNS int
             LANGUAGE sql AS 'SELECT $1 * 2'`,
        ),
      );
      const first = await provisionTools().provision(options);
      const second = await provisionTools().provision(options);
      expect(Object.keys(second.services).sort()).toEqual(Object.keys(first.services).sort());

      const urls = second.services['request-service'];
      expect(roleOf(urls.DATABASE_URL)).toBe(`${prefix}requests_app`);
      expect(new URL(urls.RABBITMQ_URL!).pathname).toBe('/ajla-vhost');
      await withPostgres(db.url, async (admin) => {
        const { rows } = await admin.query(
          "SELECT nspowner::regrole::text AS owner, (SELECT tableowner FROM pg_tables WHERE schemaname = 'requests' AND tablename = 'notes') AS table_owner FROM pg_namespace WHERE nspname = 'requests'",
        );
        expect(rows).toEqual([
          { owner: `${prefix}requests_owner`, table_owner: `${prefix}requests_owner` },
        ]);
        const { rows: others } = await admin.query(
          `SELECT (SELECT relowner::regrole::text FROM pg_class WHERE oid = 'requests.tickets'::regclass) AS sequence,
                  (SELECT typowner::regrole::text FROM pg_type WHERE oid = 'requests.mood'::regtype) AS type,
                  (SELECT proowner::regrole::text FROM pg_proc WHERE proname = 'twice') AS function`,
        );
        expect(others).toEqual([
          {
            sequence: `${prefix}requests_owner`,
            type: `${prefix}requests_owner`,
            function: `${prefix}requests_owner`,
          },
        ]);
      });
      await withPostgres(urls.DATABASE_URL, async (app) => {
        await app.query("INSERT INTO requests.notes (text) VALUES ('hello')");
        await expect(app.query('SELECT text FROM requests.notes')).resolves.toMatchObject({
          rows: [{ text: 'hello' }],
        });
        await expect(app.query('SELECT 1 FROM users.migrations')).rejects.toMatchObject({
          code: '42501',
        });
      });
      // A table a later migration creates (as the owner) is the runtime role's too.
      await withPostgres(urls.DATABASE_MIGRATION_URL, (owner) =>
        owner.query('CREATE TABLE requests.later (id bigserial PRIMARY KEY)'),
      );
      await withPostgres(urls.DATABASE_URL, (app) =>
        app.query('INSERT INTO requests.later DEFAULT VALUES'),
      );

      const user = `${prefix}request-service`;
      expect(calls).toContainEqual({ method: 'PUT', path: '/api/vhosts/ajla-vhost', body: {} });
      expect(calls).toContainEqual({
        method: 'PUT',
        path: `/api/users/${user}`,
        body: { password: decodeURIComponent(new URL(urls.RABBITMQ_URL!).password), tags: '' },
      });
      expect(calls).toContainEqual({
        method: 'PUT',
        path: `/api/permissions/ajla-vhost/${user}`,
        body: provisionTools().servicePermissions('request-service', 'ajla.events'),
      });
    } finally {
      await db.drop();
      await provisionTools().unprovision({ ...options, databaseUrl: testPostgresUrl() });
      server.close();
    }
    expect(calls.filter((call) => call.method === 'DELETE').map((call) => call.path)).toContain(
      `/api/users/${prefix}request-service`,
    );
  });
});
