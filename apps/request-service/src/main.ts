import 'reflect-metadata';
import { resolveVerificationKey } from '@ajla/auth';
import { ConfigError, createServiceApp, loadConfig } from '@ajla/platform';
import { AppModule, OPEN_API, SERVICE_NAME } from './app.module';
import { RequestServiceConfig } from './config/request-service.config';

async function bootstrap(): Promise<void> {
  let config: RequestServiceConfig;
  try {
    config = loadConfig(RequestServiceConfig);
    // Fail fast, before Nest starts, when no verification key is configured where one is required.
    await resolveVerificationKey(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${SERVICE_NAME}: ${error.message}\n`);
    process.exit(1);
  }
  const app = await createServiceApp(AppModule.forRoot(config), {
    serviceName: SERVICE_NAME,
    config,
    openApi: OPEN_API,
  });
  await app.listen(config.PORT, config.HOST);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${SERVICE_NAME} failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
