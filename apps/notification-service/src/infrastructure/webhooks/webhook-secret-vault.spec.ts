import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@ajla/platform';
import {
  DEV_SECRETS_KEY_FILE,
  SECRETS_KEY_REQUIRED,
  resolveWebhookSecretVault,
} from './webhook-secret-keys';
import {
  keyIdOf,
  keyIdOfSealed,
  SealedSecretError,
  WebhookSecretVault,
} from './webhook-secret-vault';
import { newWebhookSecret } from './webhook-signature';

const HOOK = '0190f1e2-0000-7000-8000-000000000001';
const OTHER_HOOK = '0190f1e2-0000-7000-8000-000000000002';

/** Flips one bit of the base64url field `index` of a sealed value. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index], 'base64url');
  bytes[bytes.length - 1] ^= 1;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('WebhookSecretVault', () => {
  const key = randomBytes(32);
  const vault = new WebhookSecretVault(key);
  const secret = newWebhookSecret();

  it('seals into v1.<key id>.<nonce>.<ciphertext>, and opens it again', () => {
    const sealed = vault.seal(secret, HOOK);
    const [version, keyId, nonce, body] = sealed.split('.');
    expect(version).toBe('v1');
    expect(keyId).toBe(keyIdOf(key));
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(12);
    // The secret's bytes plus a 16-byte tag, and no trace of it in the text.
    expect(Buffer.from(body, 'base64url')).toHaveLength(Buffer.byteLength(secret) + 16);
    expect(sealed).not.toContain('whsec_');
    expect(sealed).not.toContain(secret.slice('whsec_'.length, 20));
    expect(vault.open(sealed, HOOK)).toBe(secret);
    expect(vault.isCurrent(sealed)).toBe(true);
  });

  it('uses a fresh nonce each time: the same secret never seals the same', () => {
    const seals = new Set([1, 2, 3].map(() => vault.seal(secret, HOOK)));
    expect(seals.size).toBe(3);
    for (const sealed of seals) expect(vault.open(sealed, HOOK)).toBe(secret);
  });

  it('refuses a value altered anywhere: ciphertext, tag, nonce, key id or version', () => {
    const sealed = vault.seal(secret, HOOK);
    const altered = [
      tamper(sealed, 3),
      tamper(sealed, 2),
      sealed.replace(/^v1\./, 'v2.'),
      sealed.replace(keyIdOf(key), keyIdOf(randomBytes(32))),
      sealed.slice(0, -4),
      'v1.garbage',
      '',
    ];
    for (const value of altered) {
      expect(() => vault.open(value, HOOK)).toThrow(SealedSecretError);
    }
  });

  it('refuses a value moved to another webhook (the id is authenticated)', () => {
    const sealed = vault.seal(secret, HOOK);
    expect(() => vault.open(sealed, OTHER_HOOK)).toThrow(
      "the webhook's signing secret cannot be decrypted: it was altered, or belongs to another webhook",
    );
  });

  it('refuses a value of another key, naming the key id but never the secret', () => {
    const other = new WebhookSecretVault(randomBytes(32));
    const sealed = other.seal(secret, HOOK);
    let error: Error | undefined;
    try {
      vault.open(sealed, HOOK);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toBe(
      `the webhook's signing secret cannot be decrypted: no key with id ${other.currentKeyId} is configured`,
    );
    expect(error?.message).not.toContain(secret);
    expect(vault.isCurrent(sealed)).toBe(false);
  });

  it('opens values of an older key after a key rotation, and seals with the new one only', () => {
    const oldKey = randomBytes(32);
    const before = new WebhookSecretVault(oldKey).seal(secret, HOOK);
    const newKey = randomBytes(32);
    const rotated = new WebhookSecretVault(newKey, [oldKey]);
    expect(rotated.open(before, HOOK)).toBe(secret);
    expect(rotated.isCurrent(before)).toBe(false);
    const after = rotated.seal(secret, HOOK);
    expect(keyIdOfSealed(after)).toBe(keyIdOf(newKey));
    expect(() => new WebhookSecretVault(newKey).open(before, HOOK)).toThrow(SealedSecretError);
  });

  it('reveals a plain whsec_ value (written before encryption) as it is, nothing else', () => {
    expect(vault.reveal(secret, HOOK)).toBe(secret);
    expect(vault.reveal(vault.seal(secret, HOOK), HOOK)).toBe(secret);
    expect(() => vault.reveal('not a secret', HOOK)).toThrow(SealedSecretError);
  });
});

describe('resolveWebhookSecretVault', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ajla-webhook-keys-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses to start in production without a key, in one line', async () => {
    const attempt = resolveWebhookSecretVault({ NODE_ENV: 'production', JWT_KEYS_DIR: dir });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(
      resolveWebhookSecretVault({ NODE_ENV: 'production', JWT_KEYS_DIR: dir }),
    ).rejects.toThrow(SECRETS_KEY_REQUIRED);
  });

  it('creates the development key once in the keys folder, and reuses it', async () => {
    const first = await resolveWebhookSecretVault({ NODE_ENV: 'development', JWT_KEYS_DIR: dir });
    const second = await resolveWebhookSecretVault({ NODE_ENV: 'test', JWT_KEYS_DIR: dir });
    expect(second.currentKeyId).toBe(first.currentKeyId);
    const stored = await readFile(join(dir, DEV_SECRETS_KEY_FILE), 'utf8');
    expect(Buffer.from(stored.trim(), 'base64')).toHaveLength(32);
    expect(second.open(first.seal('whsec_x', HOOK), HOOK)).toBe('whsec_x');
  });

  it('reads the key from WEBHOOK_SECRETS_KEY or its file, and older keys that only decrypt', async () => {
    const key = randomBytes(32);
    const old = randomBytes(32);
    const oldSealed = new WebhookSecretVault(old).seal('whsec_y', HOOK);
    const fromEnv = await resolveWebhookSecretVault({
      NODE_ENV: 'production',
      JWT_KEYS_DIR: dir,
      WEBHOOK_SECRETS_KEY: key.toString('base64'),
      WEBHOOK_SECRETS_KEYS: ` ${randomBytes(32).toString('base64')}, ${old.toString('base64')}`,
    });
    expect(fromEnv.currentKeyId).toBe(keyIdOf(key));
    expect(fromEnv.open(oldSealed, HOOK)).toBe('whsec_y');
    const file = join(dir, 'secrets.key');
    await writeFile(file, `${key.toString('base64')}\n`);
    const fromFile = await resolveWebhookSecretVault({
      NODE_ENV: 'production',
      JWT_KEYS_DIR: dir,
      WEBHOOK_SECRETS_KEY_FILE: file,
    });
    expect(fromFile.currentKeyId).toBe(keyIdOf(key));
  });

  it('names the variable of a key that is not 32 bytes of base64, without echoing it', async () => {
    for (const [variable, value] of [
      ['WEBHOOK_SECRETS_KEY', randomBytes(16).toString('base64')],
      ['WEBHOOK_SECRETS_KEY', 'not base64 at all!'],
      ['WEBHOOK_SECRETS_KEYS', 'c2hvcnQ='],
    ]) {
      const config = {
        JWT_KEYS_DIR: dir,
        WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64'),
        [variable]: value,
      };
      const attempt = resolveWebhookSecretVault(config);
      await expect(attempt).rejects.toThrow(
        `${variable}: must be 32 bytes in base64 (value hidden)`,
      );
      await expect(resolveWebhookSecretVault(config)).rejects.not.toThrow(value);
    }
  });
});
