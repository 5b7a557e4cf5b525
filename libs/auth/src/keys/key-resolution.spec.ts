import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@ajla/platform';
import { AuthConfig } from '../auth.config';
import {
  PRIVATE_KEY_REQUIRED,
  PUBLIC_KEY_REQUIRED,
  resolveSigningKey,
  resolveVerificationKey,
} from './key-resolution';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;

describe('key resolution', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ajla-keys-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const configOf = (env: Record<string, string>) => ({
    ...loadConfig(AuthConfig, { JWT_KEYS_DIR: dir, ...env }),
  });

  it('refuses to start in production without a key, with a clear message', async () => {
    const production = { ...configOf({}), NODE_ENV: 'production' };
    await expect(resolveVerificationKey(production)).rejects.toThrow(ConfigError);
    await expect(resolveVerificationKey(production)).rejects.toThrow(PUBLIC_KEY_REQUIRED);
    await expect(resolveSigningKey(production)).rejects.toThrow(PRIVATE_KEY_REQUIRED);
  });

  it('creates and reuses the development pair outside production', async () => {
    const first = await resolveSigningKey(configOf({}));
    const second = await resolveSigningKey(configOf({}));
    expect(second.kid).toBe(first.kid);
    expect(await readFile(join(dir, 'jwt-public.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    await expect(resolveVerificationKey(configOf({}))).resolves.toBeDefined();
  });

  it('reads a one-line PEM with \\n escapes and a PEM file', async () => {
    const oneLine = publicPem.replace(/\n/g, '\\n');
    await expect(
      resolveVerificationKey(configOf({ JWT_PUBLIC_KEY: oneLine })),
    ).resolves.toBeDefined();
    const file = join(dir, 'public.pem');
    await writeFile(file, publicPem);
    await expect(
      resolveVerificationKey(configOf({ JWT_PUBLIC_KEY_FILE: file })),
    ).resolves.toBeDefined();
  });

  it('derives the verification key from a configured private key, even in production', async () => {
    const config = { ...configOf({ JWT_PRIVATE_KEY: privatePem }), NODE_ENV: 'production' };
    await expect(resolveVerificationKey(config)).resolves.toBeDefined();
    const signing = await resolveSigningKey(config);
    expect(signing.publicJwk).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: signing.kid,
    });
    expect(signing.publicJwk).not.toHaveProperty('d');
  });

  it('names the variable when the key is not usable, without echoing it', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const attempt = resolveVerificationKey(configOf({ JWT_PUBLIC_KEY: rsa as string }));
    await expect(attempt).rejects.toThrow(
      'JWT_PUBLIC_KEY: must be an SPKI PEM of a P-256 key (value hidden)',
    );
    await expect(resolveVerificationKey(configOf({ JWT_PUBLIC_KEY: 'garbage' }))).rejects.toThrow(
      ConfigError,
    );
  });

  it('refuses a private key where the public key goes: a verifier must not hold it', async () => {
    await expect(resolveVerificationKey(configOf({ JWT_PUBLIC_KEY: privatePem }))).rejects.toThrow(
      'JWT_PUBLIC_KEY: must be an SPKI PEM of a P-256 key (value hidden)',
    );
  });
});
