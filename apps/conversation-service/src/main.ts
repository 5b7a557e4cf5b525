import './tracing';
import 'reflect-metadata';
import { resolveVerificationKey } from '@ajla/auth';
import { loadConfig, runService } from '@ajla/platform';
import { AppModule, OPEN_API, SERVICE_NAME } from './app.module';
import { ConversationServiceConfig } from './config/conversation-service.config';

void runService({
  serviceName: SERVICE_NAME,
  config: () => loadConfig(ConversationServiceConfig),
  // Fail fast, before Nest starts, when no verification key is configured where one is required.
  preflight: resolveVerificationKey,
  module: (config) => AppModule.forRoot(config),
  openApi: OPEN_API,
});
