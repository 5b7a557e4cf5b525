import path from 'node:path';
import { ServiceProcess } from '@ajla/testing';
import { e2eState, REPO_ROOT } from './state';

/** One more conversation-service process on the platform's database, broker vhost and Redis. */
export function startReplica(name: string): Promise<ServiceProcess> {
  const state = e2eState();
  return ServiceProcess.start(`replica ${name}`, {
    script: path.join(REPO_ROOT, 'dist/apps/conversation-service/src/main.js'),
    cwd: REPO_ROOT,
    logFile: path.join(REPO_ROOT, 'tmp/e2e-logs', `conversation-service-${name}.log`),
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: state.databaseUrl,
      RABBITMQ_URL: state.rabbitmqUrl,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: state.redisPrefix,
      JWT_KEYS_DIR: state.keysDir,
    },
  });
}
