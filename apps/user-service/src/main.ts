import 'reflect-metadata';
import { resolveSigningKey } from '@ajla/auth';
import { ConfigError, createServiceApp, loadConfig } from '@ajla/platform';
import { AppModule, OPEN_API, SERVICE_NAME } from './app.module';
import { UserServiceConfig } from './config/user-service.config';

async function bootstrap(): Promise<void> {
  let config: UserServiceConfig;
  try {
    config = loadConfig(UserServiceConfig);
    // Fail fast, before Nest starts, when no signing key is configured where one is required.
    await resolveSigningKey(config);
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
