import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** The format's version: the first field of every sealed secret. */
const VERSION = 'v1';
const NONCE_BYTES = 12;
/** How a secret written before encryption (plain text) starts. */
const PLAIN_PREFIX = 'whsec_';
const TAG_BYTES = 16;
/** AES-256: 32-byte keys. */
export const SECRET_KEY_BYTES = 32;

/** The id of a key: the first 8 bytes of its SHA-256, hex (names it without revealing it). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Whether a stored value is a sealed secret (`v1.` ...) rather than a plain `whsec_...`. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(`${VERSION}.`);
}

/** The key id a sealed value names, or undefined for a plain one. */
export function keyIdOfSealed(stored: string): string | undefined {
  return isSealed(stored) ? stored.split('.')[1] : undefined;
}

/**
 * A sealed secret could not be opened: unknown key, tampered, moved to another webhook, or not
 * a sealed value. The message never carries the value.
 */
export class SealedSecretError extends Error {
  constructor(reason: string) {
    super(`the webhook's signing secret cannot be decrypted: ${reason}`);
    this.name = 'SealedSecretError';
  }
}

/**
 * Webhook signing secrets at rest: AES-256-GCM, a random 12-byte nonce per value, the webhook's
 * id as additional authenticated data (a value copied to another webhook's row does not open),
 * stored as `v1.<key id>.<nonce, base64url>.<ciphertext and tag, base64url>`. New values are
 * sealed with the current key; older keys (after a key rotation) only open values.
 */
export class WebhookSecretVault {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(current: Buffer, older: readonly Buffer[] = []) {
    for (const key of [current, ...older]) {
      if (key.length !== SECRET_KEY_BYTES) throw new Error('a secrets key must be 32 bytes');
      this.keys.set(keyIdOf(key), key);
    }
    this.currentKeyId = keyIdOf(current);
  }

  seal(secret: string, webhookId: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, nonce);
    cipher.setAAD(Buffer.from(webhookId, 'utf8'));
    const sealed = Buffer.concat([
      cipher.update(secret, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [
      VERSION,
      this.currentKeyId,
      nonce.toString('base64url'),
      sealed.toString('base64url'),
    ].join('.');
  }

  open(stored: string, webhookId: string): string {
    const parts = stored.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new SealedSecretError('not a sealed value of a known version');
    }
    const [, keyId, nonceText, sealedText] = parts;
    const key = this.keys.get(keyId);
    if (key === undefined) throw new SealedSecretError(`no key with id ${keyId} is configured`);
    const nonce = Buffer.from(nonceText, 'base64url');
    const sealed = Buffer.from(sealedText, 'base64url');
    if (nonce.length !== NONCE_BYTES || sealed.length <= TAG_BYTES) {
      throw new SealedSecretError('malformed value');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(Buffer.from(webhookId, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SealedSecretError('it was altered, or belongs to another webhook');
    }
  }

  /**
   * The secret a stored value holds: sealed ones opened, a plain `whsec_...` (a row written
   * before encryption, sealed at the next start or by `reencrypt-secrets`) as it is.
   */
  reveal(stored: string, webhookId: string): string {
    return stored.startsWith(PLAIN_PREFIX) ? stored : this.open(stored, webhookId);
  }

  /** Whether a stored value is already sealed with the current key (nothing to re-encrypt). */
  isCurrent(stored: string): boolean {
    return keyIdOfSealed(stored) === this.currentKeyId;
  }
}
