import path from 'node:path';
import { freePort, ServiceProcess } from '@ajla/testing';
import { e2eState, REPO_ROOT } from './state';

/**
 * One more gateway process on the running platform (its backends, keys, Redis prefix), with the
 * e2e setup's generous rate limits: for tests that stop and start a gateway, which the shared one
 * on E2E_GATEWAY_PORT (owned by the global setup, used by every other spec) cannot be. It serves
 * the built web app like the shared one. `start` resolves once /health/ready answers 200.
 */
export async function startGateway(
  name: string,
  /** Variables to set besides (or instead of) the platform's, e.g. another `<NAME>_SERVICE_URL`. */
  overrides: Record<string, string> = {},
): Promise<ServiceProcess> {
  const state = e2eState();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: state.redisPrefix, // the session revocation feed is the platform's
    JWT_KEYS_DIR: state.keysDir,
    METRICS_PORT: String(await freePort()),
    NOTIFICATION_SERVICE_URL: '',
    REQUEST_SERVICE_URL: '',
    CONVERSATION_SERVICE_URL: '',
    USER_SERVICE_URL: '',
  };
  for (const [app, url] of Object.entries(state.serviceUrls)) {
    env[`${app.replace(/-service$/, '').toUpperCase()}_SERVICE_URL`] = url;
  }
  for (const group of ['AUTH', 'READ', 'WRITE', 'WEBSOCKET']) {
    env[`RATE_LIMIT_${group}_PER_ADDRESS`] = '1000000';
    env[`RATE_LIMIT_${group}_PER_USER`] = '1000000';
  }
  Object.assign(env, overrides);
  return ServiceProcess.start(`gateway ${name}`, {
    script: path.join(REPO_ROOT, 'dist/apps/gateway/src/main.js'),
    cwd: REPO_ROOT,
    logFile: path.join(REPO_ROOT, 'tmp/e2e-logs', `gateway-${name}.log`),
    env,
  });
}

/** The port of a process's `http://127.0.0.1:<port>`. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}
