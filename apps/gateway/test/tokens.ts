import { SignJWT, exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { AuthConfig, TokenSigner } from '@ajla/auth';
import { loadConfig } from '@ajla/platform';

export interface TestKeys {
  publicPem: string;
  /** Signs tokens the way user-service does (`@ajla/auth`'s `TokenSigner`). */
  sign(
    subject?: Partial<{ sub: string; role: 'user' | 'agent' | 'admin'; tier: number; sid: string }>,
  ): Promise<string>;
  /** A token like a real one, with header and claims overridden, signed with ES256 by the test key. */
  craft(options?: {
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
  }): Promise<string>;
  /** A token with `alg: none` and no signature. */
  unsigned(): string;
  /** A well-formed token signed by some other key. */
  foreign(): Promise<string>;
}

export async function createTestKeys(): Promise<TestKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicPem = await exportSPKI(publicKey);
  const privatePem = await exportPKCS8(privateKey);
  const signer = await TokenSigner.fromConfig(
    loadConfig(AuthConfig, { JWT_PRIVATE_KEY: privatePem, JWT_PUBLIC_KEY: publicPem }),
  );
  const other = await generateKeyPair('ES256');
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({
    iss: 'ajla-user-service',
    aud: 'ajla',
    sub: '0190a5e4-7b1c-7c3e-9f00-000000000001',
    role: 'user',
    tier: 5000,
    sid: '0190a5e4-7b1c-7c3e-9f00-0000000000a1',
    token_use: 'access',
    iat: now(),
    exp: now() + 900,
  });
  const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  return {
    publicPem,
    sign: async (subject = {}) =>
      (
        await signer.sign({
          sub: '0190a5e4-7b1c-7c3e-9f00-000000000001',
          role: 'user',
          tier: 5000,
          sid: '0190a5e4-7b1c-7c3e-9f00-0000000000a1',
          ...subject,
        })
      ).token,
    craft: ({ header = {}, claims: overrides = {} } = {}) =>
      new SignJWT({ ...claims(), ...overrides })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
        .sign(privateKey),
    unsigned: () => `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(claims())}.`,
    foreign: () =>
      new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .sign(other.privateKey),
  };
}
