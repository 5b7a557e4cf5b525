import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Provisioned } from './provision';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const E2E_STATE_FILE = path.join(REPO_ROOT, 'tmp/e2e-state.json');

/** What global-setup started, shared with the test files through a file (they run elsewhere). */
export interface E2eState {
  gatewayUrl: string;
  userServiceUrl: string;
  /** Direct URLs of the backends, by app folder (tests of a service's own endpoints). */
  serviceUrls: Record<string, string>;
  databaseUrl: string;
  /** The run's own RabbitMQ vhost. */
  rabbitmqUrl: string;
  redisPrefix: string;
  keysDir: string;
  admin: { email: string; password: string };
  /** Where the run's SMTP server writes each mail notification-service sends (`<n>.eml`). */
  mailDir: string;
  pids: Record<string, number>;
  /**
   * The roles and users the services run as (tools/provision.js), with the run's own prefix:
   * `services[app]` holds the app's DATABASE_URL (runtime role), DATABASE_MIGRATION_URL (schema
   * owner) and RABBITMQ_URL (its own user, when `rabbitmq`).
   */
  leastPrivilege: LeastPrivilegeState;
}

export type LeastPrivilegeState = Provisioned & { prefix: string; rabbitmq: boolean };

let cached: E2eState | undefined;
export function e2eState(): E2eState {
  cached ??= JSON.parse(readFileSync(E2E_STATE_FILE, 'utf8')) as E2eState;
  return cached;
}
