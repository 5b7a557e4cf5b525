import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DEAD_LETTERS_USAGE, deadLettersCommand } from '@ajla/messaging';
import { loadConfig, migrateCommand, runCli } from '@ajla/platform';
import { SERVICE_NAME } from './app.module';
import { UserServiceCliConfig } from './config/user-service.config';
import { createAdmin } from './infrastructure/cli/create-admin.command';
import { USERS_SCHEMA, userServiceEntities } from './infrastructure/persistence/entities';
import { userServiceMigrations } from './infrastructure/persistence/migrations';

const USAGE = `Usage: node dist/apps/user-service/src/cli.js <command> [options]

Commands:
  migrate        Run the pending migrations of the users schema, then exit.
  create-admin   Make sure an admin account exists (idempotent; never promotes an existing account).
    --email <address>       required
    --password <password>   or the ADMIN_PASSWORD variable (keeps it out of the process list)
    --full-name <name>      optional
${DEAD_LETTERS_USAGE}

Reads DATABASE_URL (and DATABASE_POOL_SIZE, DATABASE_RUN_MIGRATIONS, NODE_ENV) and RABBITMQ_URL
like the service.`;

void runCli({
  usage: USAGE,
  config: () => loadConfig(UserServiceCliConfig),
  commands: {
    migrate: migrateCommand({
      schema: USERS_SCHEMA,
      entities: userServiceEntities,
      migrations: userServiceMigrations,
    }),
    'dead-letters': deadLettersCommand(SERVICE_NAME),
    'create-admin': async ({ config, args, out }) => {
      const { values } = parseArgs({
        args,
        strict: true,
        options: {
          email: { type: 'string' },
          password: { type: 'string' },
          'full-name': { type: 'string' },
        },
      });
      const password = values.password ?? process.env.ADMIN_PASSWORD;
      if (values.email === undefined || password === undefined) {
        process.stderr.write(
          `create-admin needs --email and --password (or ADMIN_PASSWORD)\n\n${USAGE}\n`,
        );
        return 2;
      }
      return createAdmin(
        config,
        { email: values.email, password, fullName: values['full-name'] },
        out,
      );
    },
  },
});
