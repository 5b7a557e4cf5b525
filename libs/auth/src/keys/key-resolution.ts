import { KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { JWK, calculateJwkThumbprint, createRemoteJWKSet, errors } from 'jose';
import { ConfigError } from '@ajla/platform';
import { AuthSettings } from '../auth.config';
import { ensureDevKeyPair } from './dev-key-pair';

/** The one signature algorithm of access tokens; nothing else is ever accepted. */
export const ACCESS_TOKEN_ALG = 'ES256';

export const PUBLIC_KEY_REQUIRED =
  'JWT_PUBLIC_KEY (or JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL) is required in production';
export const PRIVATE_KEY_REQUIRED =
  'JWT_PRIVATE_KEY (or JWT_PRIVATE_KEY_FILE) is required in production';

/** The public key, or a JWKS that holds one per `kid` (see `JwksKeys`). */
export type VerificationKey = KeyObject | JwksKeys;

/**
 * The P-256 public key a JWKS lists under `kid` (or its only one when `kid` is absent), `undefined`
 * when it lists none even after a refetch (at most one per 30 s). Throws `JwksUnavailableError`
 * when the set cannot be fetched.
 */
export type JwksKeys = (kid: string | undefined) => Promise<KeyObject | undefined>;

/** The JWKS could not be fetched or read: our failure, not the caller's. */
export class JwksUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The JWKS of access tokens cannot be fetched', { cause });
    this.name = 'JwksUnavailableError';
  }
}

export interface SigningKey {
  privateKey: KeyObject;
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
    return readP256Key(pem, 'public', 'JWT_PUBLIC_KEY');
  }
  if (config.JWT_JWKS_URL) return remoteJwks(new URL(config.JWT_JWKS_URL));
  const privatePem = await configuredPem(config.JWT_PRIVATE_KEY, config.JWT_PRIVATE_KEY_FILE);
  if (privatePem) {
    return createPublicKey(readP256Key(privatePem, 'private', 'JWT_PRIVATE_KEY'));
  }
  if (isProduction(config)) throw new ConfigError([PUBLIC_KEY_REQUIRED]);
  const { publicKeyPem } = await ensureDevKeyPair(config.JWT_KEYS_DIR);
  return createPublicKey(publicKeyPem);
}

/** The signing key: `JWT_PRIVATE_KEY`, `JWT_PRIVATE_KEY_FILE`, or outside production the dev pair. */
export async function resolveSigningKey(config: AuthSettings): Promise<SigningKey> {
  let pem = await configuredPem(config.JWT_PRIVATE_KEY, config.JWT_PRIVATE_KEY_FILE);
  if (!pem) {
    if (isProduction(config)) throw new ConfigError([PRIVATE_KEY_REQUIRED]);
    pem = (await ensureDevKeyPair(config.JWT_KEYS_DIR)).privateKeyPem;
  }
  const privateKey = readP256Key(pem, 'private', 'JWT_PRIVATE_KEY');
  // readP256Key proved it is a P-256 key: its public half is an EC JWK.
  const { crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
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

/**
 * The P-256 (ES256) key of an SPKI (`public`) or PKCS#8 (`private`) PEM, else a ConfigError naming
 * `variable`. The PEM label is checked first: Node would also read a private key or a certificate
 * as a public key, and a verifier must not be handed a private key by mistake.
 */
function readP256Key(pem: string, kind: 'public' | 'private', variable: string): KeyObject {
  const label = kind === 'public' ? 'PUBLIC KEY' : 'PRIVATE KEY';
  let key: KeyObject | undefined;
  if (pem.trimStart().startsWith(`-----BEGIN ${label}-----`)) {
    try {
      key = kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
    } catch {
      // Node's message may quote the key: it is not passed on.
    }
  }
  if (key?.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const expected = kind === 'public' ? 'an SPKI PEM' : 'a PKCS#8 PEM';
    throw new ConfigError([`${variable}: must be ${expected} of a P-256 key (value hidden)`]);
  }
  return key;
}

/**
 * jose fetches and caches the set (jsonwebtoken has no JWKS client), and picks the entry usable
 * for ES256 with the token's `kid`; the verifier needs it as a Node KeyObject.
 */
function remoteJwks(url: URL): JwksKeys {
  const jwks = createRemoteJWKSet(url, {
    timeoutDuration: 5000,
    cooldownDuration: 30_000, // an unknown kid refetches at most this often (key rotation)
    cacheMaxAge: 10 * 60_000,
  });
  // jose imports each entry once and hands back the same CryptoKey: convert each once too.
  const converted = new WeakMap<object, KeyObject>();
  return async (kid) => {
    let cryptoKey: Parameters<typeof KeyObject.from>[0];
    try {
      cryptoKey = await jwks({ alg: ACCESS_TOKEN_ALG, kid });
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return undefined;
      throw new JwksUnavailableError(error);
    }
    let key = converted.get(cryptoKey);
    if (!key) {
      key = KeyObject.from(cryptoKey);
      converted.set(cryptoKey, key);
    }
    return key;
  };
}
