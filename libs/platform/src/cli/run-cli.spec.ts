import { parseArgs } from 'node:util';
import { ConflictError } from '@ajla/shared-kernel';
import { ConfigError } from '../config/load-config';
import { runCli, type CliProcess, type RunCliOptions } from './run-cli';

function fakeProcess(): CliProcess & { stdoutText: string; stderrText: string; codes: number[] } {
  const proc = {
    stdoutText: '',
    stderrText: '',
    codes: [] as number[],
    stdout: { write: (text: string) => (proc.stdoutText += text) },
    stderr: { write: (text: string) => (proc.stderrText += text) },
    exit: (code: number) => void proc.codes.push(code),
  };
  return proc;
}

const USAGE = 'Usage: cli <command>';

function cli(overrides: Partial<RunCliOptions<{ name: string }>> = {}) {
  const config = jest.fn(() => ({ name: 'configured' }));
  const options: RunCliOptions<{ name: string }> = {
    usage: USAGE,
    config,
    commands: {
      hello: async ({ config, args, out }) => {
        const { values } = parseArgs({
          args,
          strict: true,
          options: { loud: { type: 'boolean' } },
        });
        out(values.loud ? `HELLO ${config.name}` : `hello ${config.name}`);
      },
      status: async () => 3,
      conflict: async () => {
        throw new ConflictError('that e-mail belongs to someone else');
      },
      crash: async () => {
        throw new Error('disk on fire');
      },
    },
    ...overrides,
  };
  return { options, config };
}

describe('runCli', () => {
  it('runs the command with the configuration and its arguments, and exits with its status', async () => {
    const proc = fakeProcess();
    const { options } = cli();
    await expect(runCli(options, ['hello', '--loud'], proc)).resolves.toBe(0);
    expect(proc.stdoutText).toBe('HELLO configured\n');
    expect(proc.codes).toEqual([0]);
    const again = fakeProcess();
    await expect(runCli(options, ['status'], again)).resolves.toBe(3);
    expect(again.codes).toEqual([3]);
  });

  it('prints the usage: 2 without a command, 0 when asked, without reading the configuration', async () => {
    const { options, config } = cli();
    for (const [argv, code] of [
      [[], 2],
      [['help'], 0],
      [['--help'], 0],
      [['-h'], 0],
    ] as const) {
      const proc = fakeProcess();
      await runCli(options, [...argv], proc);
      expect(proc.stdoutText).toBe(`${USAGE}\n`);
      expect(proc.codes).toEqual([code]);
    }
    expect(config).not.toHaveBeenCalled();
  });

  it('refuses an unknown command or option with the usage, status 2', async () => {
    const { options } = cli();
    const unknown = fakeProcess();
    await runCli(options, ['toString'], unknown);
    expect(unknown.stderrText).toBe(`Unknown command "toString"\n\n${USAGE}\n`);
    expect(unknown.codes).toEqual([2]);
    const badOption = fakeProcess();
    await runCli(options, ['hello', '--quiet'], badOption);
    expect(badOption.stderrText).toMatch(/^Unknown option '--quiet'.*\n\nUsage: cli <command>\n$/s);
    expect(badOption.codes).toEqual([2]);
  });

  it('prints configuration and domain errors without a stack, anything else with it, status 1', async () => {
    const badConfig = fakeProcess();
    await runCli(
      cli({
        config: () => {
          throw new ConfigError(['DATABASE_URL: (not set)']);
        },
      }).options,
      ['hello'],
      badConfig,
    );
    expect(badConfig.stderrText).toBe('Invalid configuration:\n  DATABASE_URL: (not set)\n');
    expect(badConfig.codes).toEqual([1]);

    const conflict = fakeProcess();
    await runCli(cli().options, ['conflict'], conflict);
    expect(conflict.stderrText).toBe('that e-mail belongs to someone else\n');
    expect(conflict.codes).toEqual([1]);

    const crash = fakeProcess();
    await runCli(cli().options, ['crash'], crash);
    expect(crash.stderrText).toMatch(/^Error: disk on fire\n {4}at /);
    expect(crash.codes).toEqual([1]);
  });
});
