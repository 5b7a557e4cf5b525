import './tracing';
import { Logger } from '@nestjs/common';
import { AccessTokenVerifier, RedisRevocationFeed, SessionRevocations } from '@ajla/auth';
import { ConfigError } from '@ajla/platform';
import { loadGatewaySettings } from './config';
import { createGatewayApp } from './gateway-app';

async function main(): Promise<void> {
  const settings = loadGatewaySettings();
  const { config } = settings;
  // Tokens of ended sessions are refused at the edge too, with the roles of the latest changes.
  const revocations = new SessionRevocations({ graceMs: config.REVOCATION_FEED_GRACE_MS });
  const feed = new RedisRevocationFeed(revocations, config, config.REVOCATION_FEED_GRACE_MS);
  feed.start();
  if (!(await feed.whenSynced(5000))) {
    new Logger('SessionRevocations').warn(
      'Session revocations not loaded yet: protected routes answer 503 until they are',
    );
  }
  const tokenVerifier = await AccessTokenVerifier.fromConfig(config, revocations);
  const app = await createGatewayApp(settings, { tokenVerifier, revocations });
  await app.listen(settings.config.PORT, settings.config.HOST);
}

main().catch((error: unknown) => {
  // A configuration problem is the operator's to fix: say what, without a stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
