// Least privilege, provisioned: `node tools/provision.js` (idempotent; `npm run up` runs it before
// the services, docker-compose as its one-shot `provision` service, Kubernetes as the Job
// k8s/base/provision/provision-job.yaml). For each service it makes:
//
// Postgres (in the database of the admin URL):
//   <prefix><schema>_owner  owns the service's schema and everything in it; migrations run as it
//                           (DATABASE_MIGRATION_URL). No superuser, no CREATEDB/CREATEROLE, no
//                           right on any other schema.
//   <prefix><schema>_app    the runtime role (DATABASE_URL): USAGE on its schema; SELECT, INSERT,
//                           UPDATE, DELETE on its tables, USAGE/SELECT on its sequences, EXECUTE on
//                           its functions, for the objects there now and (ALTER DEFAULT PRIVILEGES
//                           FOR ROLE <owner>) those later migrations create. No CREATE anywhere.
//   Both get CONNECT on the database, which PUBLIC loses; PUBLIC loses CREATE on schema public too.
//   Objects of the schema that another role owns (a database first migrated as the superuser) are
//   handed to the owner role.
//
// RabbitMQ (in the vhost of the admin AMQP URL), one user per service, `<prefix><service>`:
//   configure  ^$   nothing: the topology step declares the exchange and every queue, the service
//                   only checks them (passive declarations need no permission), so it can neither
//                   declare nor delete the exchange or a queue
//   write      ^(<exchange>|<service>\.events\.copies)$
//              publishes events to the exchange, and its retry and dead-letter copies (and dead
//              letters replayed) to its own direct exchange, which reaches only its own queues
//   read       ^<service>\.events(\..*)?$   consumes, checks and replays its own queues
// and `<prefix>topology`, the topology step's user: configure, write and read on the exchange and on
// every consuming service's queues and copies exchange, and write on `amq.default` (declaring a
// queue whose dead letters go through the default exchange takes write on it; the default exchange
// reaches every queue, which is why no service has it).
//
// The broker is provisioned through its management HTTP API when RABBITMQ_MANAGEMENT_URL is set
// (http://<admin>:<password>@<host>:15672: works from any pod; the rabbitmq_management plugin must
// be enabled), else with `rabbitmqctl` (only where the broker runs: a local install; RabbitMQ 3.8.2
// or later): one `import_definitions` of every user and its permissions, read from stdin (a 0600
// file removed before rabbitmqctl starts), with salted password hashes instead of passwords (each
// rabbitmqctl run boots an Erlang VM, about half a second, so one run rather than one per user and
// setting). Postgres and the broker are provisioned at the same time.
//
// Environment:
//   PROVISION_DATABASE_URL   admin (superuser, or CREATEROLE and owner of the database) URL;
//                            default DATABASE_URL
//   PROVISION_RABBITMQ_URL   admin AMQP URL: its vhost, host and port go into the services' URLs;
//                            default RABBITMQ_URL, then amqp://guest:guest@127.0.0.1:5672
//   RABBITMQ_MANAGEMENT_URL  see above; PROVISION_RABBITMQ=false skips the broker entirely
//   PROVISION_PREFIX         prefix of every role and user name (default ajla_)
//   EVENTS_EXCHANGE          default ajla.events
//   <X>_SERVICE_DB_OWNER_PASSWORD, <X>_SERVICE_DB_PASSWORD, <X>_SERVICE_RABBITMQ_PASSWORD
//   (X = USER, REQUEST, CONVERSATION, NOTIFICATION), TOPOLOGY_RABBITMQ_PASSWORD: the passwords set
//   (at every run, so a rotation is a re-run). Required with NODE_ENV=production; elsewhere a
//   missing one is generated (fine with trust authentication, as on a development machine).
//   PROVISION_STATE_FILE     outside production only: a file (0600) where the passwords it generated
//                            are kept for the next run, with a fingerprint of the broker's users as
//                            applied; when the next run finds the same users, each of which can
//                            still log in, it skips rabbitmqctl (~2 s: an Erlang VM). Not set by
//                            default; `npm run up` keeps it in tmp/provision-state.json.
// Prints what it did, never a password. Exits 0 once everything is in place, 1 otherwise.
const { spawn } = require('node:child_process');
const { createHash, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');

const SERVICES = [
  { service: 'user-service', schema: 'users', env: 'USER' },
  { service: 'request-service', schema: 'requests', env: 'REQUEST' },
  { service: 'conversation-service', schema: 'conversations', env: 'CONVERSATION' },
  { service: 'notification-service', schema: 'notifications', env: 'NOTIFICATION' },
];

const NAME = /^[a-z_][a-z0-9_]*$/;

function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The Postgres role and RabbitMQ user names of a service, given the prefix. */
function namesOf(prefix, { service, schema }) {
  return {
    owner: `${prefix}${schema}_owner`,
    app: `${prefix}${schema}_app`,
    rabbitmqUser: `${prefix}${service}`,
  };
}

/** configure/write/read regexes of a service's RabbitMQ user. */
function servicePermissions(service, exchange) {
  const own = `${escapeRegex(service)}\\.events`;
  return {
    configure: '^$',
    write: `^(${escapeRegex(exchange)}|${own}\\.copies)$`,
    read: `^${own}(\\..*)?$`,
  };
}

/** The topology step's: every consuming service's queues and the exchange. */
function topologyPermissions(services, exchange) {
  const queues = `(${services.map(escapeRegex).join('|')})\\.events(\\..*)?`;
  const ex = escapeRegex(exchange);
  // A queue declared with a dead-letter exchange needs read on itself and write on that exchange
  // (here the default one, amq.default); its queues' `.copies` exchanges match `queues`.
  return {
    configure: `^(${ex}|${queues})$`,
    write: `^(${ex}|amq\\.default|${queues})$`,
    read: `^(${ex}|${queues})$`,
  };
}

function withCredentials(base, user, password) {
  const url = new URL(base);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/**
 * The password `name` from the environment; outside production, a missing one is generated (or
 * the one generated by the last run is taken again) and recorded in `generated`.
 */
function passwordOf(env, name, production, generated) {
  const value = env[name];
  if (value) return value;
  if (production) throw new Error(`${name} is required (NODE_ENV=production)`);
  const password = generated.kept[name] ?? randomBytes(18).toString('base64url');
  generated.chosen.set(name, password);
  return password;
}

// ---- What a development machine keeps between runs (PROVISION_STATE_FILE) -----------------------

/**
 * The state kept for one target (prefix, database, broker vhost): `{ passwords, rabbitmq }`, the
 * passwords generated for it and the fingerprint of the broker's users as last applied. Never used
 * in production, where every password comes from the environment.
 */
function stateStore(options) {
  const file = options.production ? undefined : options.statePath;
  if (!file) return { read: () => ({}), write: () => undefined };
  const database = new URL(options.databaseUrl);
  const broker = options.rabbitmq === false ? undefined : new URL(options.rabbitmqUrl);
  const key = [
    options.prefix ?? 'ajla_',
    `${database.host}${database.pathname}`,
    broker ? `${broker.host}/${vhostOf(options.rabbitmqUrl)}` : '',
  ].join(' ');
  return {
    read: () => readStateFile(file)[key] ?? {},
    write: (entry) => writeStateFile(file, { ...readStateFile(file), [key]: entry }),
  };
}

/** Removes what `statePath` keeps for targets of this prefix (their roles and users are gone). */
function forgetState(statePath, prefix) {
  if (!statePath || !fs.existsSync(statePath)) return;
  const all = readStateFile(statePath);
  for (const key of Object.keys(all)) if (key.startsWith(`${prefix} `)) delete all[key];
  writeStateFile(statePath, all);
}

/** Every target's state in the file; none when it is missing or unreadable (provisioned afresh). */
function readStateFile(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

function writeStateFile(file, all) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // also when it was there before, with other rights
}

/** What the broker's users are to be: names, permissions and (digests of) passwords, in a vhost. */
function brokerFingerprint(vhost, users) {
  const described = users.map(({ name, password, permissions }) => ({
    name,
    permissions,
    password: createHash('sha256').update(password).digest('base64'),
  }));
  return createHash('sha256')
    .update(JSON.stringify({ vhost, users: described }))
    .digest('hex');
}

/** Whether every user can open a connection to the vhost with its password (a broker reset: no). */
async function everyUserLogsIn(rabbitmqUrl, users) {
  const amqplib = require('amqplib');
  const logsIn = async ({ name, password }) => {
    try {
      const connection = await amqplib.connect(withCredentials(rabbitmqUrl, name, password), {
        timeout: 2_000,
      });
      await connection.close();
      return true;
    } catch {
      return false;
    }
  };
  return (await Promise.all(users.map(logsIn))).every(Boolean);
}

// ---- Postgres ------------------------------------------------------------------------------

/** Statements that make `role` a login role with `password` and nothing more (idempotent). */
function roleStatements(client, role, password) {
  const id = client.escapeIdentifier(role);
  return [
    // Created meanwhile by another run: fine.
    `DO $$ BEGIN CREATE ROLE ${id}; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    `ALTER ROLE ${id} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD ${client.escapeLiteral(password)}`,
  ];
}

/** Hands every object of the schema that another role owns to `owner` (idempotent). */
async function reassignObjects(client, schema, owner) {
  const o = client.escapeIdentifier(owner);
  const s = client.escapeIdentifier(schema);
  // One look for all three kinds: `what` and `name` as ALTER ... OWNER TO takes them.
  const { rows } = await client.query(
    `SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                 WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS what,
            c.relname::text AS name, true AS relation
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND pg_get_userbyid(c.relowner) <> $2
        -- a sequence owned by a column follows its table
        AND NOT (c.relkind = 'S' AND EXISTS (
          SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
     UNION ALL
     SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
            p.oid::regprocedure::text, false
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND pg_get_userbyid(p.proowner) <> $2
     UNION ALL
     SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text, false
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> $2`,
    [schema, owner],
  );
  for (const { what, name, relation } of rows) {
    const target = relation ? `${s}.${client.escapeIdentifier(name)}` : name;
    await client.query(`ALTER ${what} ${target} OWNER TO ${o}`);
  }
}

async function provisionPostgres(adminUrl, plan, log) {
  const client = new Client({ connectionString: adminUrl, application_name: 'ajla-provision' });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT current_database() AS db, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser',
    );
    const db = client.escapeIdentifier(rows[0].db);
    // Each batch is one round trip (statements without parameters, run as one transaction).
    const run = (statements) => client.query(statements.join(';\n'));
    // Only the roles granted below may connect; nobody creates in schema public.
    await run([
      `REVOKE ALL ON DATABASE ${db} FROM PUBLIC`,
      'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
    ]);
    for (const p of plan) {
      const schema = client.escapeIdentifier(p.schema);
      const owner = client.escapeIdentifier(p.owner);
      const app = client.escapeIdentifier(p.app);
      await run([
        ...roleStatements(client, p.owner, p.ownerPassword),
        ...roleStatements(client, p.app, p.appPassword),
        // A non-superuser admin (a managed Postgres) must be a member of the owner role to create
        // its schema and to set its default privileges.
        ...(rows[0].superuser ? [] : [`GRANT ${owner} TO CURRENT_USER`]),
        `GRANT CONNECT ON DATABASE ${db} TO ${owner}, ${app}`,
        `CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${owner}`,
        `ALTER SCHEMA ${schema} OWNER TO ${owner}`,
      ]);
      await reassignObjects(client, p.schema, p.owner);
      const defaults = `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema}`;
      await run([
        `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`,
        `GRANT USAGE ON SCHEMA ${schema} TO ${app}`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${app}`,
        `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${app}`,
        `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${schema} TO ${app}`,
        `${defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
        `${defaults} GRANT USAGE, SELECT ON SEQUENCES TO ${app}`,
        `${defaults} GRANT EXECUTE ON FUNCTIONS TO ${app}`,
      ]);
      log(`postgres: schema ${p.schema} owned by ${p.owner}, used by ${p.app}`);
    }
  } finally {
    await client.end();
  }
}

/** Drops the roles of `plan` (after the database they had rights in is gone, or with it). */
async function dropPostgresRoles(adminUrl, plan) {
  const client = new Client({ connectionString: adminUrl, application_name: 'ajla-provision' });
  await client.connect();
  try {
    for (const p of plan) {
      for (const role of [p.app, p.owner]) {
        await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(role)}`);
      }
    }
  } finally {
    await client.end();
  }
}

// ---- RabbitMQ --------------------------------------------------------------------------------

function vhostOf(amqpUrl) {
  const path = new URL(amqpUrl).pathname.replace(/^\//, '');
  return path ? decodeURIComponent(path) : '/';
}

/**
 * A password as RabbitMQ stores it (rabbit_password_hashing_sha256, its default): base64 of a
 * random 4-byte salt followed by sha256(salt + password). Lets `rabbitmqctl import_definitions`
 * set passwords without the passwords themselves ever leaving this process.
 */
function rabbitmqPasswordHash(password) {
  const salt = randomBytes(4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/** The management HTTP API (PUT is idempotent: creates or updates), one request per object. */
function httpBroker(managementUrl) {
  const url = new URL(managementUrl);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}/api`;
  const call = async (method, path, body, okStatuses = []) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok && !okStatuses.includes(response.status)) {
      throw new Error(`RabbitMQ management API: ${method} ${path} answered ${response.status}`);
    }
  };
  const e = encodeURIComponent;
  return {
    how: 'management HTTP API',
    ensureUsers: async (vhost, users) => {
      await call('PUT', `/vhosts/${e(vhost)}`, {});
      await Promise.all(
        users.map(async ({ name, password, permissions }) => {
          await call('PUT', `/users/${e(name)}`, { password, tags: '' });
          await call('PUT', `/permissions/${e(vhost)}/${e(name)}`, permissions);
        }),
      );
    },
    deleteUsers: (users) =>
      Promise.all(users.map((user) => call('DELETE', `/users/${e(user)}`, undefined, [404]))),
  };
}

/**
 * Runs `rabbitmqctl` (each run boots an Erlang VM: about half a second), `input` on its stdin;
 * resolves to its stdout, rejects with its exit code and the start of its stderr.
 *
 * Its stdin is a file, not a pipe: rabbitmqctl takes what has arrived on a pipe when it reads as
 * the whole input, and a pipe written by a busy process may not have all of it yet. The file is
 * made 0600 in a folder of its own and removed before rabbitmqctl even starts (the descriptor
 * handed to it keeps the content), so it is never on disk longer than it takes to write it.
 */
function rabbitmqctl(args, input) {
  let stdin = 'ignore';
  if (input !== undefined) {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ajla-provision-'));
    try {
      const file = path.join(folder, 'stdin');
      fs.writeFileSync(file, input, { mode: 0o600 });
      stdin = fs.openSync(file, 'r');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn('rabbitmqctl', args, { stdio: [stdin, 'pipe', 'pipe'] });
    if (typeof stdin === 'number') fs.closeSync(stdin);
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(Buffer.concat(out).toString());
      const stderr = Buffer.concat(err).toString().trim().slice(0, 500);
      const failure = new Error(`rabbitmqctl ${args[0]} exited with ${code}: ${stderr}`);
      failure.stderr = stderr;
      reject(failure);
    });
  });
}

/**
 * `rabbitmqctl`, on the broker's machine. The users and their permissions are one
 * `import_definitions` (creates or updates each user, sets its permissions) read from stdin, with
 * password hashes, not passwords: nothing secret on a command line, in a log or left in a file.
 * The vhost is left out of it (importing an existing vhost would reset its description and tags)
 * and added only when the import says it is missing.
 */
function cliBroker() {
  const listUsers = async () =>
    (await rabbitmqctl(['list_users', '--quiet', '--no-table-headers']))
      .split('\n')
      .map((line) => line.split('\t')[0].trim())
      .filter(Boolean);
  return {
    how: 'rabbitmqctl import_definitions',
    ensureUsers: async (vhost, users) => {
      const definitions = JSON.stringify({
        users: users.map(({ name, password }) => ({
          name,
          password_hash: rabbitmqPasswordHash(password),
          hashing_algorithm: 'rabbit_password_hashing_sha256',
          tags: '',
        })),
        permissions: users.map(({ name, permissions }) => ({ user: name, vhost, ...permissions })),
      });
      const importUsers = () =>
        rabbitmqctl(['import_definitions', '--format', 'json', '--quiet'], definitions);
      try {
        await importUsers();
      } catch (error) {
        if (!/virtual host .* does not exist/i.test(error.stderr ?? '')) throw error;
        await rabbitmqctl(['add_vhost', vhost]).catch((addError) => {
          // added meanwhile by another run
          if (!/already exists/i.test(addError.stderr ?? '')) throw addError;
        });
        await importUsers();
      }
    },
    deleteUsers: async (users) => {
      const existing = new Set(await listUsers());
      for (const user of users.filter((u) => existing.has(u))) {
        await rabbitmqctl(['delete_user', user]);
      }
    },
  };
}

function brokerOf(options) {
  return options.rabbitmqManagementUrl ? httpBroker(options.rabbitmqManagementUrl) : cliBroker();
}

// ---- The whole -------------------------------------------------------------------------------

/**
 * Provisions every service (idempotent) and resolves to what each one connects with:
 * `{ services: { [app]: { DATABASE_URL, DATABASE_MIGRATION_URL, RABBITMQ_URL? } },
 *    topologyRabbitmqUrl?, roles: [...], rabbitmqUsers: [...] }`.
 * Options: databaseUrl (admin), rabbitmqUrl (admin AMQP), rabbitmqManagementUrl, rabbitmq (false:
 * skip the broker), prefix, exchange, env (passwords), production, log.
 */
async function provision(options) {
  const plan = provisioningPlan(options);
  await plan.apply();
  return plan.result;
}

/**
 * `provision` in two halves: `result`, what each service will connect with (passwords chosen,
 * nothing done yet: tools/run-platform.js starts the services with it while `apply()` runs), and
 * `apply()`, which makes it so. Throws at once on a bad prefix or a missing production password.
 */
function provisioningPlan(options) {
  const env = options.env ?? {};
  const prefix = options.prefix ?? 'ajla_';
  if (!NAME.test(prefix))
    throw new Error(`invalid prefix "${prefix}": lower-case letters, digits, _`);
  const exchange = options.exchange ?? 'ajla.events';
  const log = options.log ?? (() => undefined);
  const state = stateStore({ ...options, prefix });
  const kept = state.read();
  // The passwords not from the environment: `chosen` by this run, `kept` from the last one.
  const generated = { chosen: new Map(), kept: kept.passwords ?? {} };
  const plan = SERVICES.map((s) => ({
    ...s,
    ...namesOf(prefix, s),
    ownerPassword: passwordOf(
      env,
      `${s.env}_SERVICE_DB_OWNER_PASSWORD`,
      options.production,
      generated,
    ),
    appPassword: passwordOf(env, `${s.env}_SERVICE_DB_PASSWORD`, options.production, generated),
    rabbitmqPassword:
      options.rabbitmq === false
        ? undefined
        : passwordOf(env, `${s.env}_SERVICE_RABBITMQ_PASSWORD`, options.production, generated),
  }));
  const result = { services: {}, roles: plan.flatMap((p) => [p.owner, p.app]), rabbitmqUsers: [] };
  for (const p of plan) {
    result.services[p.service] = {
      DATABASE_URL: withCredentials(options.databaseUrl, p.app, p.appPassword),
      DATABASE_MIGRATION_URL: withCredentials(options.databaseUrl, p.owner, p.ownerPassword),
    };
  }
  const steps = [() => provisionPostgres(options.databaseUrl, plan, log)];
  if (options.rabbitmq !== false) {
    const vhost = vhostOf(options.rabbitmqUrl);
    const topologyUser = `${prefix}topology`;
    const topologyPassword = passwordOf(
      env,
      'TOPOLOGY_RABBITMQ_PASSWORD',
      options.production,
      generated,
    );
    const users = [
      ...plan.map((p) => ({
        name: p.rabbitmqUser,
        password: p.rabbitmqPassword,
        permissions: servicePermissions(p.service, exchange),
      })),
      {
        name: topologyUser,
        password: topologyPassword,
        permissions: topologyPermissions(
          plan.map((p) => p.service),
          exchange,
        ),
      },
    ];
    for (const p of plan) {
      result.services[p.service].RABBITMQ_URL = withCredentials(
        options.rabbitmqUrl,
        p.rabbitmqUser,
        p.rabbitmqPassword,
      );
    }
    result.topologyRabbitmqUrl = withCredentials(
      options.rabbitmqUrl,
      topologyUser,
      topologyPassword,
    );
    result.rabbitmqUsers = users.map((u) => u.name);
    // Postgres and the broker are independent: provisioned at the same time.
    const broker = brokerOf(options);
    const fingerprint = brokerFingerprint(vhost, users);
    steps.push(async () => {
      const unchanged =
        kept.rabbitmq === fingerprint && (await everyUserLogsIn(options.rabbitmqUrl, users));
      if (unchanged) {
        log(
          `rabbitmq: users ${result.rabbitmqUsers.join(', ')} in vhost ${vhost} as the last run left them (each logged in); not applied again`,
        );
      } else {
        await broker.ensureUsers(vhost, users);
        log(
          `rabbitmq (${broker.how}): users ${result.rabbitmqUsers.join(', ')} in vhost ${vhost}, each limited to its own queues`,
        );
      }
      brokerState = fingerprint;
    });
  }
  let brokerState;
  const apply = async () => {
    // Both settle before a failure is reported: nothing runs on after apply() rejected.
    const outcomes = await Promise.allSettled(steps.map((step) => step()));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const names = [...generated.chosen.keys()];
    if (names.length > 0) {
      const fresh = names.filter((name) => generated.kept[name] === undefined).length;
      log(
        fresh === 0
          ? `${names.length} credentials not set in the environment: the passwords an earlier run generated (not printed)`
          : `generated passwords (not printed) for ${fresh} credentials not set in the environment`,
      );
    }
    // Kept only once applied: what is kept is always what the roles and users have.
    state.write({ passwords: Object.fromEntries(generated.chosen), rabbitmq: brokerState });
  };
  return { result, apply };
}

/** Removes what `provision` made with this prefix: roles (once their database is dropped) and users. */
async function unprovision(options) {
  const prefix = options.prefix ?? 'ajla_';
  forgetState(options.production ? undefined : options.statePath, prefix);
  const plan = SERVICES.map((s) => ({ ...s, ...namesOf(prefix, s) }));
  await dropPostgresRoles(options.databaseUrl, plan);
  if (options.rabbitmq !== false) {
    await brokerOf(options).deleteUsers([...plan.map((p) => p.rabbitmqUser), `${prefix}topology`]);
  }
}

function optionsFromEnv(env = process.env) {
  const flag = (value) => value !== undefined && /^(0|false|no|off)$/i.test(value);
  return {
    databaseUrl:
      env.PROVISION_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/ajla',
    rabbitmqUrl:
      env.PROVISION_RABBITMQ_URL || env.RABBITMQ_URL || 'amqp://guest:guest@127.0.0.1:5672',
    rabbitmqManagementUrl: env.RABBITMQ_MANAGEMENT_URL || undefined,
    rabbitmq: !flag(env.PROVISION_RABBITMQ),
    prefix: env.PROVISION_PREFIX ?? 'ajla_',
    exchange: env.EVENTS_EXCHANGE || 'ajla.events',
    statePath: env.PROVISION_STATE_FILE || undefined,
    env,
    production: env.NODE_ENV === 'production',
  };
}

module.exports = {
  SERVICES,
  provision,
  provisioningPlan,
  unprovision,
  optionsFromEnv,
  servicePermissions,
  namesOf,
};

if (require.main === module) {
  provision({ ...optionsFromEnv(), log: (line) => console.log(`provision: ${line}`) }).then(
    () => process.exit(0),
    (error) => {
      // pg and fetch errors do not echo the URL or a password.
      console.error(`provision failed: ${error.message}`);
      process.exit(1);
    },
  );
}
