import path from 'node:path';
import { REPO_ROOT } from './state';

/** What each service connects with, by app folder (tools/provision.js). */
export interface ProvisionedService {
  DATABASE_URL: string;
  DATABASE_MIGRATION_URL: string;
  RABBITMQ_URL?: string;
}

export interface Provisioned {
  services: Record<string, ProvisionedService>;
  /** The topology step's RabbitMQ user, when the broker was provisioned. */
  topologyRabbitmqUrl?: string;
  roles: string[];
  rabbitmqUsers: string[];
}

export interface ProvisionOptions {
  /** An admin URL of the database to provision (or, to unprovision, of any other database). */
  databaseUrl: string;
  rabbitmqUrl?: string;
  /** The management HTTP API (`http://<admin>:<password>@<host>:15672`); unset: rabbitmqctl. */
  rabbitmqManagementUrl?: string;
  /** false: leave the broker alone. */
  rabbitmq?: boolean;
  prefix: string;
  /** The passwords (`<X>_SERVICE_DB_PASSWORD`...); generated when missing. */
  env?: Record<string, string | undefined>;
  /** Every password must come from `env`; no state is kept. */
  production?: boolean;
  /** Where the generated passwords and the broker's fingerprint are kept (PROVISION_STATE_FILE). */
  statePath?: string;
  log?: (line: string) => void;
}

/** tools/provision.js, the one provisioning command of `npm run up`, compose and Kubernetes. */
export function provisionTools(): {
  provision(options: ProvisionOptions): Promise<Provisioned>;
  unprovision(options: ProvisionOptions): Promise<void>;
  servicePermissions(
    service: string,
    exchange: string,
  ): { configure: string; write: string; read: string };
} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(REPO_ROOT, 'tools/provision.js'));
}
