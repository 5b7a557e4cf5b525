import 'reflect-metadata';
import { DEAD_LETTERS_USAGE, deadLettersCommand } from '@ajla/messaging';
import { loadConfig, migrateCommand, runCli } from '@ajla/platform';
import { SERVICE_NAME } from './app.module';
import { ConversationServiceCliConfig } from './config/conversation-service.config';
import {
  CONVERSATIONS_SCHEMA,
  conversationServiceEntities,
} from './infrastructure/persistence/entities';
import { conversationServiceMigrations } from './infrastructure/persistence/migrations';

const USAGE = `Usage: node dist/apps/conversation-service/src/cli.js <command> [options]

Commands:
  migrate   Run the pending migrations of the conversations schema, then exit.
${DEAD_LETTERS_USAGE}

Reads DATABASE_URL (and DATABASE_POOL_SIZE, NODE_ENV) and RABBITMQ_URL like the service.`;

void runCli({
  usage: USAGE,
  config: () => loadConfig(ConversationServiceCliConfig),
  commands: {
    migrate: migrateCommand({
      schema: CONVERSATIONS_SCHEMA,
      entities: conversationServiceEntities,
      migrations: conversationServiceMigrations,
    }),
    'dead-letters': deadLettersCommand(SERVICE_NAME),
  },
});
