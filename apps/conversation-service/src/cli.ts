import 'reflect-metadata';
import { loadConfig, migrateCommand, runCli } from '@ajla/platform';
import { ConversationServiceCliConfig } from './config/conversation-service.config';
import {
  CONVERSATIONS_SCHEMA,
  conversationServiceEntities,
} from './infrastructure/persistence/entities';
import { conversationServiceMigrations } from './infrastructure/persistence/migrations';

const USAGE = `Usage: node dist/apps/conversation-service/src/cli.js <command>

Commands:
  migrate   Run the pending migrations of the conversations schema, then exit.

Reads DATABASE_URL (and DATABASE_POOL_SIZE, NODE_ENV) like the service.`;

void runCli({
  usage: USAGE,
  config: () => loadConfig(ConversationServiceCliConfig),
  commands: {
    migrate: migrateCommand({
      schema: CONVERSATIONS_SCHEMA,
      entities: conversationServiceEntities,
      migrations: conversationServiceMigrations,
    }),
  },
});
