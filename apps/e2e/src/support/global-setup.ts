import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  createTestVhost,
  freePort,
  testPostgresUrl,
  uniqueRedisPrefix,
} from '@ajla/testing';
import { SMTPServer } from 'smtp-server';
import { recordSecret, startSecretsFile } from './secrets';
import { E2E_STATE_FILE, REPO_ROOT, type E2eState, type LeastPrivilegeState } from './state';
import { provisionTools } from './provision';

/**
 * The backends, by app folder and the gateway's name for them (`<NAME>_SERVICE_URL`). They start
 * together, after the topology step has declared every queue (the order does not matter).
 */
const BACKENDS = [
  { app: 'request-service', name: 'request' },
  { app: 'conversation-service', name: 'conversation' },
  { app: 'notification-service', name: 'notification' },
  { app: 'user-service', name: 'user' },
] as const;

function generousRateLimits(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const group of ['AUTH', 'READ', 'WRITE', 'WEBSOCKET']) {
    env[`RATE_LIMIT_${group}_PER_ADDRESS`] = '1000000';
    env[`RATE_LIMIT_${group}_PER_USER`] = '1000000';
  }
  return env;
}

/**
 * Starts the built platform (npm run build first): every service that exists, on a database,
 * RabbitMQ vhost, Redis prefix and key pair of the run's own, with the gateway on
 * E2E_GATEWAY_PORT (default 8000); waits until GET /health is 200.
 */
export default async function globalSetup(): Promise<void> {
  const entry = (app: string) => path.join(REPO_ROOT, 'dist/apps', app, 'src/main.js');
  if (!existsSync(entry('gateway'))) {
    throw new Error(`${entry('gateway')} is missing: run "npm run build" before the e2e suite`);
  }
  const backends = BACKENDS.filter((b) => existsSync(path.join(REPO_ROOT, 'apps', b.app)));
  for (const b of backends) {
    if (!existsSync(entry(b.app)))
      throw new Error(`${entry(b.app)} is missing: run "npm run build"`);
  }

  const db = await createTestDatabase('e2e');
  const vhost = createTestVhost();
  const keysDir = mkdtempSync(path.join(tmpdir(), 'ajla-e2e-keys-'));
  const logsDir = path.join(REPO_ROOT, 'tmp/e2e-logs');
  mkdirSync(logsDir, { recursive: true });
  const gatewayPort = Number(process.env.E2E_GATEWAY_PORT ?? 8000);
  const admin = { email: 'root.admin@ajla.test', password: `Adm1n-${Date.now()}-pass` };
  startSecretsFile();
  recordSecret('password', admin.password);
  const mail = await startMailServer();
  recordSecret('password', mail.password);

  // Least privilege, as `npm run up`, docker-compose and Kubernetes run the services: each one
  // connects as its own Postgres runtime role (migrations as its schema's owner role) and its own
  // RabbitMQ user (tools/provision.js). Roles and users are cluster-wide: a prefix of the run's own.
  // The vhost is the run's own only when rabbitmqctl works; without it the broker is left as is.
  const isolatedVhost = new URL(vhost.url).pathname.length > 1;
  const prefix = `ajla_e2e_${randomBytes(4).toString('hex')}_`;
  const leastPrivilege: LeastPrivilegeState = await provisionTools()
    .provision({
      databaseUrl: db.url,
      rabbitmqUrl: vhost.url,
      rabbitmq: isolatedVhost,
      prefix,
    })
    .then((provisioned) => ({ prefix, rabbitmq: isolatedVhost, ...provisioned }))
    .catch(async (error: unknown) => {
      mail.server.close();
      await db.drop().catch(() => undefined);
      await provisionTools()
        .unprovision({ databaseUrl: testPostgresUrl(), rabbitmq: isolatedVhost, prefix })
        .catch(() => undefined);
      vhost.drop();
      throw error;
    });
  for (const service of Object.values(leastPrivilege.services)) {
    for (const url of Object.values(service)) {
      recordSecret('password', decodeURIComponent(new URL(url).password));
    }
  }
  const serviceEnv = (app: string): NodeJS.ProcessEnv => ({ ...leastPrivilege.services[app] });

  const common: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
    DATABASE_URL: db.url,
    RABBITMQ_URL: vhost.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: uniqueRedisPrefix(),
    JWT_KEYS_DIR: keysDir,
  };

  const children: ChildProcess[] = [];
  const pids: Record<string, number> = {};
  const assertAlive = () => {
    const exited = children.find((c) => c.exitCode !== null);
    if (exited) {
      throw new Error(`a service exited during start-up (code ${exited.exitCode}); see ${logsDir}`);
    }
  };
  const waitUntilOk = async (url: string) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      assertAlive();
      const ok = await fetch(url)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(`${url} did not answer 200 in time; see ${logsDir}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // Jest runs no teardown when the setup fails: stop what was started, then fail.
  const stopAll = async (error: unknown): Promise<never> => {
    for (const child of children) child.kill('SIGKILL');
    mail.server.close();
    await db.drop().catch(() => undefined);
    await provisionTools()
      .unprovision({ databaseUrl: testPostgresUrl(), rabbitmq: isolatedVhost, prefix })
      .catch(() => undefined);
    vhost.drop();
    throw error;
  };
  // The topology step, as `npm run up`, docker-compose and Kubernetes run it before any service.
  const declareTopology = () =>
    new Promise<void>((resolve, reject) => {
      const step = spawn(
        process.execPath,
        [path.join(REPO_ROOT, 'dist/libs/messaging/src/declare-topology.js')],
        {
          env: {
            ...common,
            RABBITMQ_URL: leastPrivilege.topologyRabbitmqUrl ?? common.RABBITMQ_URL,
          },
          cwd: REPO_ROOT,
        },
      );
      const log = createWriteStream(path.join(logsDir, 'declare-topology.log'));
      step.stdout?.pipe(log);
      step.stderr?.pipe(log);
      step.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`the topology step failed (${code}); see ${logsDir}`)),
      );
    });
  const start = (app: string, env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, [entry(app)], {
      env: { ...common, ...env },
      cwd: REPO_ROOT,
    });
    const log = createWriteStream(path.join(logsDir, `${app}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    children.push(child);
    pids[app] = child.pid!;
  };

  // Every service learns every other's URL (request-service calls conversation-service), and the
  // gateway routes to them; a service not built is left out (empty URL).
  const serviceUrls: Record<string, string> = {};
  const urlEnv: NodeJS.ProcessEnv = {};
  for (const b of BACKENDS) urlEnv[`${b.name.toUpperCase()}_SERVICE_URL`] = '';
  const ports: Record<string, number> = {};
  for (const b of backends) {
    ports[b.app] = await freePort();
    serviceUrls[b.app] = `http://127.0.0.1:${ports[b.app]}`;
    urlEnv[`${b.name.toUpperCase()}_SERVICE_URL`] = serviceUrls[b.app];
  }
  const gatewayEnv: NodeJS.ProcessEnv = {
    ...urlEnv,
    PORT: String(gatewayPort),
    // Every spec (and the fuzzing run) talks from 127.0.0.1, registering and logging in many
    // users: limits far above the suite's traffic keep the limiter in the path without tripping
    // it. rate-limits.e2e-spec.ts starts a gateway of its own with tight limits.
    ...generousRateLimits(),
    METRICS_PORT: String(await freePort()),
  };
  await declareTopology().catch(stopAll);
  for (const b of backends) {
    start(b.app, {
      ...serviceEnv(b.app),
      ...urlEnv,
      PORT: String(ports[b.app]),
      ...(b.app === 'user-service'
        ? { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password }
        : {}),
      ...(b.app === 'notification-service'
        ? {
            SMTP_URL: mail.url,
            MAIL_FROM: 'AJLA <no-reply@ajla.test>',
            WEB_APP_URL: 'https://app.ajla.test',
            // Short, so that a staff reply's digest arrives while its spec waits.
            MAIL_DIGEST_DELAY_MS: '2000',
            MAIL_POLL_INTERVAL_MS: '200',
            // The specs' webhook receivers listen on 127.0.0.1; retries short enough to watch.
            WEBHOOK_ALLOW_PRIVATE: 'true',
            WEBHOOK_POLL_INTERVAL_MS: '200',
            WEBHOOK_RETRY_DELAYS_MS: '500,1000,2000,4000,8000',
          }
        : {}),
    });
  }
  start('gateway', gatewayEnv);
  await Promise.all(backends.map((b) => waitUntilOk(`${serviceUrls[b.app]}/health/ready`))).catch(
    stopAll,
  );

  const state: E2eState = {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    userServiceUrl: serviceUrls['user-service'],
    serviceUrls,
    databaseUrl: db.url,
    rabbitmqUrl: vhost.url,
    redisPrefix: common.REDIS_KEY_PREFIX!,
    keysDir,
    admin,
    mailDir: mail.dir,
    pids,
    leastPrivilege,
  };
  (globalThis as Record<string, unknown>).__AJLA_E2E__ = {
    children,
    db,
    vhost,
    leastPrivilege,
    mailServer: mail.server,
    mailDir: mail.dir,
  };

  await waitUntilOk(`${state.gatewayUrl}/health`).catch(stopAll);
  writeFileSync(E2E_STATE_FILE, JSON.stringify(state, null, 2));
}

/**
 * A real SMTP server for notification-service (with a login, as a provider has): each mail it
 * accepts is written whole to a folder of the run's own, where specs read it (they run in other
 * processes than this setup).
 */
async function startMailServer(): Promise<{
  server: SMTPServer;
  url: string;
  password: string;
  dir: string;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ajla-e2e-mail-'));
  const user = 'ajla-e2e-mailer';
  const password = `smtp-${randomBytes(12).toString('hex')}`;
  let received = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) =>
      auth.username === user && auth.password === password
        ? callback(null, { user })
        : callback(new Error('Invalid username or password')),
    onData: (stream, _session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received += 1;
        writeFileSync(
          path.join(dir, `${String(received).padStart(6, '0')}.eml`),
          Buffer.concat(chunks),
        );
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `smtp://${user}:${password}@127.0.0.1:${port}`, password, dir };
}
