import path from 'node:path';
import { ServiceProcess } from '@ajla/testing';
import { e2eState, REPO_ROOT } from './state';

/**
 * One more conversation-service process on the platform's database, broker vhost and Redis, with
 * the same roles and user as the first.
 */
export function startReplica(name: string): Promise<ServiceProcess> {
  return startServiceReplica('conversation-service', name);
}

/**
 * One more process of `app` (a backend's folder) on the platform's database, broker vhost and
 * Redis, with the same roles, broker user and peer URLs as the first.
 */
export function startServiceReplica(app: string, name: string): Promise<ServiceProcess> {
  const state = e2eState();
  const own = state.leastPrivilege.services[app];
  const peers: Record<string, string> = {};
  for (const [peer, url] of Object.entries(state.serviceUrls)) {
    peers[`${peer.replace(/-service$/, '').toUpperCase()}_SERVICE_URL`] = url;
  }
  return ServiceProcess.start(`${app} replica ${name}`, {
    script: path.join(REPO_ROOT, `dist/apps/${app}/src/main.js`),
    cwd: REPO_ROOT,
    logFile: path.join(REPO_ROOT, 'tmp/e2e-logs', `${app}-${name}.log`),
    env: {
      NODE_ENV: 'test',
      ...peers,
      // As the first one runs: its own runtime role and broker user, migrations as the owner.
      DATABASE_URL: own.DATABASE_URL,
      DATABASE_MIGRATION_URL: own.DATABASE_MIGRATION_URL,
      RABBITMQ_URL: own.RABBITMQ_URL ?? state.rabbitmqUrl,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: state.redisPrefix,
      JWT_KEYS_DIR: state.keysDir,
    },
  });
}
