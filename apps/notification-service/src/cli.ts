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
import { NotificationServiceCliConfig } from './config/notification-service.config';
import {
  NOTIFICATIONS_SCHEMA,
  notificationServiceEntities,
} from './infrastructure/persistence/entities';
import { notificationServiceMigrations } from './infrastructure/persistence/migrations';

const USAGE = `Usage: node dist/apps/notification-service/src/cli.js <command> [options]

Commands:
  migrate   Run the pending migrations of the notifications schema, then exit.
${DEAD_LETTERS_USAGE}
${ASK_SNAPSHOT_USAGE}

Reads DATABASE_URL (and DATABASE_POOL_SIZE, NODE_ENV) and RABBITMQ_URL like the service.`;

void runCli({
  usage: USAGE,
  config: () => loadConfig(NotificationServiceCliConfig),
  commands: {
    migrate: migrateCommand({
      schema: NOTIFICATIONS_SCHEMA,
      entities: notificationServiceEntities,
      migrations: notificationServiceMigrations,
    }),
    'dead-letters': deadLettersCommand(SERVICE_NAME),
    'ask-snapshot': askSnapshotCommand(SERVICE_NAME, NOTIFICATIONS_SCHEMA, STAFF_SNAPSHOT),
  },
});
