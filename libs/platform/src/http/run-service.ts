import type { IEntryNestModule } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BaseServiceConfig } from '../config/base-service.config';
import { ConfigError } from '../config/load-config';
import { createServiceApp, type ServiceAppOptions } from './create-service-app';
import { startSignal } from './start-signal';

export interface RunServiceOptions<C extends BaseServiceConfig> {
  serviceName: string;
  /** Reads the configuration, e.g. `() => loadConfig(UserServiceConfig)`. */
  config: () => C;
  /**
   * Checks to make before Nest starts, so that a bad setting fails fast with its own message
   * (a signing key that must be configured): throw `ConfigError` for the operator to fix.
   */
  preflight?: (config: C) => Promise<unknown>;
  /** The application's root module for this configuration. */
  module: (config: C) => IEntryNestModule;
  openApi?: ServiceAppOptions['openApi'];
}

/** Where `runService` reports and how it ends the process (tests pass their own). */
export interface ServiceProcess {
  stderr: { write(text: string): unknown };
  exit(code: number): void;
}

/**
 * A service's `main.ts` in one call: waits for its start signal when told to (`startSignal`:
 * its code is loaded by then), reads the configuration, runs `preflight`, creates the app
 * (`createServiceApp`), starts its event transport if it has one and listens on `PORT`/`HOST`. A `ConfigError` (from `config` or `preflight`)
 * prints `<service>: <its message>` and exits 1; any other failure prints
 * `<service> failed to start: <stack>` and exits 1. Resolves to the listening app, or `undefined`
 * after a failure; never rejects.
 */
export async function runService<C extends BaseServiceConfig>(
  options: RunServiceOptions<C>,
  proc: ServiceProcess = process,
): Promise<NestFastifyApplication | undefined> {
  const { serviceName } = options;
  try {
    if (!(await startSignal())) {
      proc.stderr.write(`${serviceName}: stdin ended before the start signal; not started\n`);
      proc.exit(1);
      return undefined;
    }
    let config: C;
    try {
      config = options.config();
      await options.preflight?.(config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      proc.stderr.write(`${serviceName}: ${error.message}\n`);
      proc.exit(1);
      return undefined;
    }
    const app = await createServiceApp(options.module(config), {
      serviceName,
      config,
      openApi: options.openApi,
    });
    await app.init();
    // Consumes events (when a module has a transport) before it answers: a service whose handlers
    // do not match its subscriptions fails to start here.
    await app.startAllMicroservices();
    await app.listen(config.PORT, config.HOST);
    return app;
  } catch (error) {
    proc.stderr.write(
      `${serviceName} failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    proc.exit(1);
    return undefined;
  }
}
