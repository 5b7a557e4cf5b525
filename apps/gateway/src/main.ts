import { AccessTokenVerifier } from '@ajla/auth';
import { ConfigError } from '@ajla/platform';
import { loadGatewaySettings } from './config';
import { createGatewayApp } from './gateway-app';

async function main(): Promise<void> {
  const settings = loadGatewaySettings();
  const tokenVerifier = await AccessTokenVerifier.fromConfig(settings.config);
  const app = await createGatewayApp(settings, { tokenVerifier });
  await app.listen(settings.config.PORT, settings.config.HOST);
}

main().catch((error: unknown) => {
  // A configuration problem is the operator's to fix: say what, without a stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
