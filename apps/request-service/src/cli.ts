import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@ajla/platform';
import { RequestServiceCliConfig } from './config/request-service.config';
import { migrate } from './infrastructure/cli/migrate.command';

const USAGE = `Usage: node dist/apps/request-service/src/cli.js <command>

Commands:
  migrate   Run the pending migrations of the requests schema, then exit.

Reads DATABASE_URL (and DATABASE_POOL_SIZE, NODE_ENV) like the service.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  const config = loadConfig(RequestServiceCliConfig);
  switch (command) {
    case 'migrate':
      parseArgs({ args: rest, options: {}, strict: true });
      await migrate(config, out);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Bad input and configuration are the operator's to fix: their message, without a stack.
    if (error instanceof ConfigError) {
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
