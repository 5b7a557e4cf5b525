import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, freePort, uniqueRedisPrefix } from '@ajla/testing';
import { E2E_STATE_FILE, REPO_ROOT, type E2eState } from './state';

/**
 * Starts the built platform (npm run build first) on a database, Redis prefix and key pair of its
 * own, with the gateway on E2E_GATEWAY_PORT (default 8000), and waits until GET /health is 200.
 */
export default async function globalSetup(): Promise<void> {
  const entry = (name: string) => path.join(REPO_ROOT, 'dist/apps', name, 'src/main.js');
  for (const name of ['gateway', 'user-service']) {
    if (!existsSync(entry(name))) {
      throw new Error(`${entry(name)} is missing: run "npm run build" before the e2e suite`);
    }
  }

  const db = await createTestDatabase('e2e');
  const keysDir = mkdtempSync(path.join(tmpdir(), 'ajla-e2e-keys-'));
  const logsDir = path.join(REPO_ROOT, 'tmp/e2e-logs');
  mkdirSync(logsDir, { recursive: true });
  const gatewayPort = Number(process.env.E2E_GATEWAY_PORT ?? 8000);
  const userPort = await freePort();
  const admin = { email: 'root.admin@ajla.test', password: `Adm1n-${Date.now()}-pass` };

  const common: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: uniqueRedisPrefix(),
    JWT_KEYS_DIR: keysDir,
  };

  const children: ChildProcess[] = [];
  const start = (name: string, env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, [entry(name)], {
      env: { ...common, ...env },
      cwd: REPO_ROOT,
    });
    const log = createWriteStream(path.join(logsDir, `${name}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    children.push(child);
    return child;
  };

  const userService = start('user-service', {
    PORT: String(userPort),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
  });
  const gateway = start('gateway', {
    PORT: String(gatewayPort),
    USER_SERVICE_URL: `http://127.0.0.1:${userPort}`,
    REQUEST_SERVICE_URL: '',
    CONVERSATION_SERVICE_URL: '',
    NOTIFICATION_SERVICE_URL: '',
  });

  const state: E2eState = {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    userServiceUrl: `http://127.0.0.1:${userPort}`,
    databaseUrl: db.url,
    redisPrefix: common.REDIS_KEY_PREFIX!,
    keysDir,
    admin,
    pids: { gateway: gateway.pid!, 'user-service': userService.pid! },
  };
  (globalThis as Record<string, unknown>).__AJLA_E2E__ = { children, db };

  const deadline = Date.now() + 60_000;
  for (;;) {
    const exited = children.find((c) => c.exitCode !== null);
    if (exited) {
      throw new Error(`a service exited during start-up (code ${exited.exitCode}); see ${logsDir}`);
    }
    const ok = await fetch(`${state.gatewayUrl}/health`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(`the platform did not become healthy; see ${logsDir}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  writeFileSync(E2E_STATE_FILE, JSON.stringify(state, null, 2));
}
