import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestVhost, freePort, stopChild, uniqueRedisPrefix } from '@ajla/testing';
import { REPO_ROOT } from './state';

const BACKENDS = [
  { app: 'request-service', name: 'REQUEST' },
  { app: 'conversation-service', name: 'CONVERSATION' },
  { app: 'notification-service', name: 'NOTIFICATION' },
  { app: 'user-service', name: 'USER' },
] as const;

export interface PlatformOnDatabase {
  gatewayUrl: string;
  serviceUrls: Record<string, string>;
  /** Stops every process (SIGTERM, then SIGKILL), drops its vhost and key folder; not the database. */
  stop(): Promise<void>;
}

/**
 * A second platform, built (npm run build), on a database it is given (e.g. one a backup was
 * restored into) with a RabbitMQ vhost, Redis prefix, key pair and ports of its own: what an
 * operator gets who restores the databases on a new cluster, with a fresh broker and Redis.
 * Logs go to tmp/e2e-logs/<label>-<app>.log (the log audit reads them too).
 */
export async function startPlatformOnDatabase(
  databaseUrl: string,
  label: string,
  /** Set for every process of this platform (e.g. the `OTEL_*` variables of a traced run). */
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<PlatformOnDatabase> {
  const entry = (app: string) => path.join(REPO_ROOT, 'dist/apps', app, 'src/main.js');
  const logsDir = path.join(REPO_ROOT, 'tmp/e2e-logs');
  mkdirSync(logsDir, { recursive: true });
  const keysDir = mkdtempSync(path.join(tmpdir(), `ajla-${label}-keys-`));
  const mailDir = mkdtempSync(path.join(tmpdir(), `ajla-${label}-mail-`));
  const vhost = createTestVhost(undefined, label);
  const children: ChildProcess[] = [];
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
    DATABASE_URL: databaseUrl,
    RABBITMQ_URL: vhost.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: uniqueRedisPrefix(label),
    JWT_KEYS_DIR: keysDir,
    MAIL_DROP_DIR: mailDir,
    ...extraEnv,
  };
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    vhost.drop();
    rmSync(keysDir, { recursive: true, force: true });
    rmSync(mailDir, { recursive: true, force: true });
  };
  const spawnLogged = (name: string, script: string, env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, [script], { cwd: REPO_ROOT, env: { ...common, ...env } });
    const log = createWriteStream(path.join(logsDir, `${label}-${name}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    return child;
  };
  const waitOk = async (url: string, child: ChildProcess, name: string) => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited during start-up; see ${logsDir}/${label}-${name}.log`);
      }
      const ok = await fetch(url)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${url} is not 200 after 90 s; see ${logsDir}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    const topology = spawnLogged(
      'declare-topology',
      path.join(REPO_ROOT, 'dist/libs/messaging/src/declare-topology.js'),
      {},
    );
    const code = await new Promise<number | null>((resolve) => topology.on('exit', resolve));
    if (code !== 0) throw new Error(`the topology step failed (${code})`);

    const urlEnv: NodeJS.ProcessEnv = {};
    const serviceUrls: Record<string, string> = {};
    const ports: Record<string, number> = {};
    for (const b of BACKENDS) {
      ports[b.app] = await freePort();
      serviceUrls[b.app] = `http://127.0.0.1:${ports[b.app]}`;
      urlEnv[`${b.name}_SERVICE_URL`] = serviceUrls[b.app];
    }
    const started = BACKENDS.map((b) => {
      const child = spawnLogged(b.app, entry(b.app), { ...urlEnv, PORT: String(ports[b.app]) });
      children.push(child);
      return { app: b.app, child };
    });
    const gatewayPort = await freePort();
    const gateway = spawnLogged('gateway', entry('gateway'), {
      ...urlEnv,
      PORT: String(gatewayPort),
      METRICS_PORT: String(await freePort()),
    });
    children.push(gateway);
    await Promise.all(
      started.map(({ app, child }) => waitOk(`${serviceUrls[app]}/health/ready`, child, app)),
    );
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    await waitOk(`${gatewayUrl}/health`, gateway, 'gateway');
    return { gatewayUrl, serviceUrls, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
