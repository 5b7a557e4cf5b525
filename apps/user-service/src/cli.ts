import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@ajla/platform';
import { DomainError } from '@ajla/shared-kernel';
import { UserServiceCliConfig } from './config/user-service.config';
import { createAdmin } from './infrastructure/cli/create-admin.command';
import { migrate } from './infrastructure/cli/migrate.command';

const USAGE = `Usage: node dist/apps/user-service/src/cli.js <command> [options]

Commands:
  migrate        Run the pending migrations of the users schema, then exit.
  create-admin   Make sure an admin account exists (idempotent; never promotes an existing account).
    --email <address>       required
    --password <password>   or the ADMIN_PASSWORD variable (keeps it out of the process list)
    --full-name <name>      optional

Reads DATABASE_URL (and DATABASE_POOL_SIZE, DATABASE_RUN_MIGRATIONS, NODE_ENV) like the service.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  const config = loadConfig(UserServiceCliConfig);
  switch (command) {
    case 'migrate': {
      parseArgs({ args: rest, options: {}, strict: true });
      await migrate(config, out);
      return 0;
    }
    case 'create-admin': {
      const { values } = parseArgs({
        args: rest,
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
    }
    default:
      process.stderr.write(`Unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Bad input and configuration are the operator's to fix: their message, without a stack.
    if (error instanceof ConfigError || error instanceof DomainError) {
      process.stderr.write(`${error.message}\n`);
    } else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    } else {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exit(1);
  },
);
