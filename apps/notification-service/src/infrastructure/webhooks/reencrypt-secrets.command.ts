import { parseArgs } from 'node:util';
import { type CliCommand, createDataSource } from '@ajla/platform';
import type { NotificationServiceCliConfig } from '../../config/notification-service.config';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import { resolveWebhookSecretVault } from './webhook-secret-keys';
import { resealWebhookSecrets } from './webhook-secret-sealing';

export const REENCRYPT_SECRETS_USAGE = `  reencrypt-secrets
                 Encrypt every webhook signing secret again with the current key (WEBHOOK_SECRETS_KEY),
                 opening those of older keys with WEBHOOK_SECRETS_KEYS (plain-text ones too). Safe
                 while the service runs, and to rerun; exits 1 if a secret cannot be decrypted.`;

/** `reencrypt-secrets`: the last step of a key rotation (see the service README). */
export const reencryptSecretsCommand: CliCommand<NotificationServiceCliConfig> = async ({
  config,
  args,
  out,
}) => {
  parseArgs({ args, options: {}, strict: true });
  const vault = await resolveWebhookSecretVault(config);
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    schema: NOTIFICATIONS_SCHEMA,
    entities: [],
    applicationName: `ajla-${NOTIFICATIONS_SCHEMA}-reencrypt-secrets`,
    poolSize: 1,
  });
  await dataSource.initialize();
  try {
    const { current, previous, unreadable } = await resealWebhookSecrets(
      dataSource,
      vault,
      'not-current',
    );
    out(
      `Re-encrypted ${current} current and ${previous} previous webhook secrets with key ${vault.currentKeyId}`,
    );
    if (unreadable > 0) {
      out(
        `${unreadable} secrets could not be decrypted with the configured keys: left as they are`,
      );
      return 1;
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
};
