import 'reflect-metadata';
import { loadConfig, migrateCommand, runCli } from '@ajla/platform';
import { RequestServiceCliConfig } from './config/request-service.config';
import { REQUESTS_SCHEMA, requestServiceEntities } from './infrastructure/persistence/entities';
import { requestServiceMigrations } from './infrastructure/persistence/migrations';

const USAGE = `Usage: node dist/apps/request-service/src/cli.js <command>

Commands:
  migrate   Run the pending migrations of the requests schema, then exit.

Reads DATABASE_URL (and DATABASE_POOL_SIZE, NODE_ENV) like the service.`;

void runCli({
  usage: USAGE,
  config: () => loadConfig(RequestServiceCliConfig),
  commands: {
    migrate: migrateCommand({
      schema: REQUESTS_SCHEMA,
      entities: requestServiceEntities,
      migrations: requestServiceMigrations,
    }),
  },
});
