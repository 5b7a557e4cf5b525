import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  CryptoKey,
  JWK,
  JWTVerifyGetKey,
  calculateJwkThumbprint,
  createRemoteJWKSet,
  importPKCS8,
  importSPKI,
} from 'jose';
import { ConfigError } from '@ajla/platform';
import { AuthSettings } from '../auth.config';
import { ensureDevKeyPair } from './dev-key-pair';

/** The one signature algorithm of access tokens; nothing else is ever accepted. */
export const ACCESS_TOKEN_ALG = 'ES256';

export const PUBLIC_KEY_REQUIRED =
  'JWT_PUBLIC_KEY (or JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL) is required in production';
export const PRIVATE_KEY_REQUIRED =
  'JWT_PRIVATE_KEY (or JWT_PRIVATE_KEY_FILE) is required in production';

/** A public key, or a JWKS that resolves one per token `kid`. */
export type VerificationKey = CryptoKey | JWTVerifyGetKey;

export interface SigningKey {
  privateKey: CryptoKey;
  /** RFC 7638 thumbprint of the public key: the `kid` of every token and of the JWKS entry. */
  kid: string;
  /** The public half as a JWK, with `kid`, `alg` and `use`: what the JWKS endpoint serves. */
  publicJwk: JWK;
}

/**
 * Where verification keys come from, first match wins: `JWT_PUBLIC_KEY`, `JWT_PUBLIC_KEY_FILE`,
 * `JWT_JWKS_URL`, the public half of a configured private key (user-service), and outside
 * production the development key pair in `JWT_KEYS_DIR`.
 */
export async function resolveVerificationKey(config: AuthSettings): Promise<VerificationKey> {
  const pem = await configuredPem(config.JWT_PUBLIC_KEY, config.JWT_PUBLIC_KEY_FILE);
  if (pem) {
    return importKey(
      () => importSPKI(pem, ACCESS_TOKEN_ALG),
      'JWT_PUBLIC_KEY',
      'an SPKI PEM of a P-256 key',
    );
  }
  if (config.JWT_JWKS_URL) {
    return createRemoteJWKSet(new URL(config.JWT_JWKS_URL), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000, // an unknown kid refetches at most this often (key rotation)
      cacheMaxAge: 10 * 60_000,
    });
  }
  const privatePem = await configuredPem(config.JWT_PRIVATE_KEY, config.JWT_PRIVATE_KEY_FILE);
  if (privatePem) {
    return importKey(
      () => importSPKI(publicPemOf(privatePem), ACCESS_TOKEN_ALG),
      'JWT_PRIVATE_KEY',
      'a PKCS#8 PEM of a P-256 key',
    );
  }
  if (isProduction(config)) throw new ConfigError([PUBLIC_KEY_REQUIRED]);
  const { publicKeyPem } = await ensureDevKeyPair(config.JWT_KEYS_DIR);
  return importSPKI(publicKeyPem, ACCESS_TOKEN_ALG);
}

/** The signing key: `JWT_PRIVATE_KEY`, `JWT_PRIVATE_KEY_FILE`, or outside production the dev pair. */
export async function resolveSigningKey(config: AuthSettings): Promise<SigningKey> {
  let pem = await configuredPem(config.JWT_PRIVATE_KEY, config.JWT_PRIVATE_KEY_FILE);
  if (!pem) {
    if (isProduction(config)) throw new ConfigError([PRIVATE_KEY_REQUIRED]);
    pem = (await ensureDevKeyPair(config.JWT_KEYS_DIR)).privateKeyPem;
  }
  const privatePem = pem;
  const privateKey = await importKey(
    () => importPKCS8(privatePem, ACCESS_TOKEN_ALG),
    'JWT_PRIVATE_KEY',
    'a PKCS#8 PEM of a P-256 key',
  );
  // The import above proved it is a P-256 key: its public half is an EC JWK.
  const { crv, x, y } = createPublicKey(privatePem).export({ format: 'jwk' });
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv, x, y });
  return {
    privateKey,
    kid,
    publicJwk: { kty: 'EC', crv, x, y, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' },
  };
}

function isProduction(config: AuthSettings): boolean {
  return (config.NODE_ENV ?? process.env.NODE_ENV) === 'production';
}

async function configuredPem(
  value: string | undefined,
  file: string | undefined,
): Promise<string | undefined> {
  // Environment variables often carry PEMs on one line, with `\n` escapes.
  if (value) return value.replace(/\\n/g, '\n');
  if (file) return readFile(file, 'utf8');
  return undefined;
}

function publicPemOf(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({
    type: 'spki',
    format: 'pem',
  }) as string;
}

async function importKey<T>(
  load: () => Promise<T>,
  variable: string,
  expected: string,
): Promise<T> {
  try {
    return await load();
  } catch {
    throw new ConfigError([`${variable}: must be ${expected} (value hidden)`]);
  }
}
