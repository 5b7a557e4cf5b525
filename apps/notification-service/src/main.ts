import './tracing';
import 'reflect-metadata';
import { resolveVerificationKey } from '@ajla/auth';
import { runService } from '@ajla/platform';
import { AppModule, OPEN_API, SERVICE_NAME } from './app.module';
import { loadNotificationServiceConfig } from './config/notification-service.config';
import { resolveWebhookSecretVault } from './infrastructure/webhooks/webhook-secret-keys';

void runService({
  serviceName: SERVICE_NAME,
  config: () => loadNotificationServiceConfig(),
  // Fail fast, before Nest starts, when a key is missing where one is required: the tokens'
  // verification key, the webhook secrets' key.
  preflight: async (config) => {
    await resolveVerificationKey(config);
    await resolveWebhookSecretVault(config);
  },
  module: (config) => AppModule.forRoot(config),
  openApi: OPEN_API,
});
