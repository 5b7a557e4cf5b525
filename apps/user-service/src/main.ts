import './tracing';
import 'reflect-metadata';
import { resolveSigningKey } from '@ajla/auth';
import { loadConfig, runService } from '@ajla/platform';
import { AppModule, OPEN_API, SERVICE_NAME } from './app.module';
import { UserServiceConfig } from './config/user-service.config';

void runService({
  serviceName: SERVICE_NAME,
  config: () => loadConfig(UserServiceConfig),
  // Fail fast, before Nest starts, when no signing key is configured where one is required.
  preflight: resolveSigningKey,
  module: (config) => AppModule.forRoot(config),
  openApi: OPEN_API,
});
