import { createServer } from 'node:net';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BaseServiceConfig } from '../config/base-service.config';
import { ConfigError, loadConfig } from '../config/load-config';
import { PlatformModule } from '../platform.module';
import { runService, type ServiceProcess } from './run-service';

function fakeProcess(): ServiceProcess & { output: string; codes: number[] } {
  const proc = {
    output: '',
    codes: [] as number[],
    stderr: { write: (text: string) => (proc.output += text) },
    exit: (code: number) => void proc.codes.push(code),
  };
  return proc;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

@Module({ imports: [PlatformModule.forRoot({ serviceName: 'run-test', logLevel: 'silent' })] })
class RunTestModule {}

describe('runService', () => {
  it('prints a ConfigError from the configuration as `<service>: <message>` and exits 1', async () => {
    const proc = fakeProcess();
    const module = jest.fn();
    const app = await runService(
      { serviceName: 'demo', config: () => loadConfig(BaseServiceConfig, {}), module },
      proc,
    );
    expect(app).toBeUndefined();
    expect(proc.output).toBe(
      'demo: Invalid configuration:\n  PORT: must be an integer between 1 and 65535 (not set)\n',
    );
    expect(proc.codes).toEqual([1]);
    expect(module).not.toHaveBeenCalled();
  });

  it('runs the preflight check before Nest starts; its ConfigError is printed the same way', async () => {
    const proc = fakeProcess();
    const module = jest.fn();
    const seen: BaseServiceConfig[] = [];
    await runService(
      {
        serviceName: 'demo',
        config: () => loadConfig(BaseServiceConfig, { PORT: '8001' }),
        preflight: async (config) => {
          seen.push(config);
          throw new ConfigError(['JWT_PRIVATE_KEY: required in production']);
        },
        module,
      },
      proc,
    );
    expect(seen.map((config) => config.PORT)).toEqual([8001]);
    expect(proc.output).toBe(
      'demo: Invalid configuration:\n  JWT_PRIVATE_KEY: required in production\n',
    );
    expect(proc.codes).toEqual([1]);
    expect(module).not.toHaveBeenCalled();
  });

  it('prints any other failure with its stack as `<service> failed to start` and exits 1', async () => {
    const proc = fakeProcess();
    await runService(
      {
        serviceName: 'demo',
        config: () => loadConfig(BaseServiceConfig, { PORT: '8001' }),
        preflight: async () => {
          throw new Error('key file unreadable');
        },
        module: () => RunTestModule,
      },
      proc,
    );
    expect(proc.output).toMatch(/^demo failed to start: Error: key file unreadable\n {4}at /);
    expect(proc.codes).toEqual([1]);
  });

  it('creates the app from the module of its configuration and listens on PORT and HOST', async () => {
    const proc = fakeProcess();
    const port = await freePort();
    let app: NestFastifyApplication | undefined;
    try {
      app = await runService(
        {
          serviceName: 'run-test',
          config: () => loadConfig(BaseServiceConfig, { PORT: String(port), HOST: '127.0.0.1' }),
          module: (config) => {
            expect(config.PORT).toBe(port);
            return RunTestModule;
          },
        },
        proc,
      );
      expect(proc.output).toBe('');
      expect(proc.codes).toEqual([]);
      const answer = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(answer.status).toBe(200);
    } finally {
      await app?.close();
    }
  });
});
