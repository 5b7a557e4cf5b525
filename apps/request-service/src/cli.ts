import 'reflect-metadata';
import {
  ASK_SNAPSHOT_USAGE,
  askSnapshotCommand,
  DEAD_LETTERS_USAGE,
  deadLettersCommand,
} from '@ajla/messaging';
import { loadConfig, migrateCommand, runCli } from '@ajla/platform';
import { STAFF_SNAPSHOT } from '@ajla/account-directory';
import { SERVICE_NAME } from './app.module';
import { RequestServiceCliConfig } from './config/request-service.config';
import { REQUESTS_SCHEMA, requestServiceEntities } from './infrastructure/persistence/entities';
import { requestServiceMigrations } from './infrastructure/persistence/migrations';

const USAGE = `Usage: node dist/apps/request-service/src/cli.js <command> [options]

Commands:
  migrate   Run the pending migrations of the requests schema, then exit.
${DEAD_LETTERS_USAGE}
${ASK_SNAPSHOT_USAGE}

Reads DATABASE_URL (and DATABASE_POOL_SIZE, NODE_ENV) and RABBITMQ_URL like the service.`;

void runCli({
  usage: USAGE,
  config: () => loadConfig(RequestServiceCliConfig),
  commands: {
    migrate: migrateCommand({
      schema: REQUESTS_SCHEMA,
      entities: requestServiceEntities,
      migrations: requestServiceMigrations,
    }),
    'dead-letters': deadLettersCommand(SERVICE_NAME),
    'ask-snapshot': askSnapshotCommand(SERVICE_NAME, REQUESTS_SCHEMA, STAFF_SNAPSHOT),
  },
});
