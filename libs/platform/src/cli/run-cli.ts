import { DomainError } from '@ajla/shared-kernel';
import { ConfigError } from '../config/load-config';

export type CliOutput = (line: string) => void;

/**
 * One command of a service's command-line tool: gets the configuration, the arguments after its
 * name and a line printer (stdout); resolves to the exit status (nothing: 0).
 */
export type CliCommand<C> = (context: {
  config: C;
  args: string[];
  out: CliOutput;
}) => Promise<number | void>;

export interface RunCliOptions<C> {
  /** Printed for `help`, with no command, and after a wrong command or option. */
  usage: string;
  /** Read once a command is given (not for `help`), e.g. `() => loadConfig(MyCliConfig)`. */
  config: () => C;
  commands: Record<string, CliCommand<C>>;
}

/** Where `runCli` writes and how it ends the process (tests pass their own). */
export interface CliProcess {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  exit(code: number): void;
}

/**
 * A service's `cli.ts` in one call: `<command> [options]` from `argv` to one of `commands`, then
 * exits with its status. No command: usage, 2; `help`, `--help`, `-h`: usage, 0; an unknown
 * command: `Unknown command "x"` and usage on stderr, 2; a `node:util` `parseArgs` error (a wrong
 * option): its message and usage, 2. A `ConfigError` or a `DomainError` is the operator's to fix:
 * its message, without a stack, 1; anything else: its stack, 1. Resolves to the status.
 */
export async function runCli<C>(
  options: RunCliOptions<C>,
  argv: string[] = process.argv.slice(2),
  proc: CliProcess = process,
): Promise<number> {
  const code = await runCommand(options, argv, proc);
  proc.exit(code);
  return code;
}

async function runCommand<C>(
  { usage, config, commands }: RunCliOptions<C>,
  argv: string[],
  proc: CliProcess,
): Promise<number> {
  const [command, ...args] = argv;
  const out: CliOutput = (line) => proc.stdout.write(`${line}\n`);
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      out(usage);
      return command === undefined ? 2 : 0;
    }
    const loaded = config();
    const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (run === undefined) {
      proc.stderr.write(`Unknown command "${command}"\n\n${usage}\n`);
      return 2;
    }
    return (await run({ config: loaded, args, out })) ?? 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DomainError) {
      proc.stderr.write(`${error.message}\n`);
    } else if ((error as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS')) {
      proc.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
      return 2;
    } else {
      proc.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    return 1;
  }
}
