import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@ajla/platform';
import { SECRET_KEY_BYTES, WebhookSecretVault } from './webhook-secret-vault';

export const SECRETS_KEY_REQUIRED =
  'WEBHOOK_SECRETS_KEY (or WEBHOOK_SECRETS_KEY_FILE) is required in production';

/** The development key's file in the keys folder (JWT_KEYS_DIR), beside the JWT key pair. */
export const DEV_SECRETS_KEY_FILE = 'webhook-secrets.key';

/** What the key resolution reads (the service's and the CLI's configuration). */
export interface WebhookSecretsKeySettings {
  NODE_ENV?: string;
  WEBHOOK_SECRETS_KEY?: string;
  WEBHOOK_SECRETS_KEY_FILE?: string;
  WEBHOOK_SECRETS_KEYS?: string;
  JWT_KEYS_DIR: string;
}

/**
 * The vault of webhook secrets. The current key, first match wins: `WEBHOOK_SECRETS_KEY`,
 * `WEBHOOK_SECRETS_KEY_FILE`, and outside production a key created once in `JWT_KEYS_DIR`
 * (production without one: a ConfigError). `WEBHOOK_SECRETS_KEYS`, comma-separated, are the older
 * keys, which only decrypt. Every key is 32 bytes in base64; messages never echo a value.
 */
export async function resolveWebhookSecretVault(
  config: WebhookSecretsKeySettings,
): Promise<WebhookSecretVault> {
  let current: Buffer;
  if (config.WEBHOOK_SECRETS_KEY) {
    current = decodeKey(config.WEBHOOK_SECRETS_KEY, 'WEBHOOK_SECRETS_KEY');
  } else if (config.WEBHOOK_SECRETS_KEY_FILE) {
    const text = await readFile(config.WEBHOOK_SECRETS_KEY_FILE, 'utf8').catch(() => {
      throw new ConfigError(['WEBHOOK_SECRETS_KEY_FILE: cannot be read']);
    });
    current = decodeKey(text, 'WEBHOOK_SECRETS_KEY_FILE');
  } else if ((config.NODE_ENV ?? process.env.NODE_ENV) === 'production') {
    throw new ConfigError([SECRETS_KEY_REQUIRED]);
  } else {
    current = decodeKey(await ensureDevKey(config.JWT_KEYS_DIR), DEV_SECRETS_KEY_FILE);
  }
  const older = (config.WEBHOOK_SECRETS_KEYS ?? '')
    .split(',')
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .map((text) => decodeKey(text, 'WEBHOOK_SECRETS_KEYS'));
  return new WebhookSecretVault(current, older);
}

function decodeKey(text: string, variable: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== SECRET_KEY_BYTES) {
    throw new ConfigError([`${variable}: must be 32 bytes in base64 (value hidden)`]);
  }
  return key;
}

/**
 * The development key in `dir`, created on first use. Replicas starting together agree on one:
 * it is written aside, then hard-linked into place, which fails for every process but the first.
 */
async function ensureDevKey(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, DEV_SECRETS_KEY_FILE);
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) return existing;
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(`${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
  return readFile(path, 'utf8');
}
