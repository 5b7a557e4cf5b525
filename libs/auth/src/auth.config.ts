// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import type { Constructor } from '@ajla/platform';

/**
 * Adds the token variables to a config class: `extends withAuthConfig(BaseServiceConfig)`.
 * Key sources are described in the README; `NODE_ENV` (from the service config or the
 * environment) decides whether a development key pair may be created.
 */
export function withAuthConfig<TBase extends Constructor>(Base: TBase) {
  class WithAuthConfig extends Base {
    @IsString()
    @IsNotEmpty()
    JWT_ISSUER: string = 'ajla-user-service';

    @IsString()
    @IsNotEmpty()
    JWT_AUDIENCE: string = 'ajla';

    /** PKCS#8 PEM of the P-256 signing key (user-service only). `\n` escapes are accepted. */
    @IsOptional()
    @IsString()
    JWT_PRIVATE_KEY?: string;

    @IsOptional()
    @IsString()
    JWT_PRIVATE_KEY_FILE?: string;

    /** SPKI PEM of the verification key. `\n` escapes are accepted. */
    @IsOptional()
    @IsString()
    JWT_PUBLIC_KEY?: string;

    @IsOptional()
    @IsString()
    JWT_PUBLIC_KEY_FILE?: string;

    @IsOptional()
    @IsUrl(
      { require_tld: false, protocols: ['http', 'https'] },
      { message: 'must be an http(s) URL' },
    )
    JWT_JWKS_URL?: string;

    /** Where development keys are created when no key is configured (never in production). */
    @IsString()
    @IsNotEmpty()
    JWT_KEYS_DIR: string = defaultKeysDir();

    @IsInt({ message: 'must be an integer between 60 and 3600 (seconds)' })
    @Min(60, { message: 'must be an integer between 60 and 3600 (seconds)' })
    @Max(3600, { message: 'must be an integer between 60 and 3600 (seconds)' })
    JWT_ACCESS_TTL_SECONDS: number = 900;

    /**
     * How long tokens are still checked against the session revocation list after its Redis
     * feed was last known complete; beyond it verification fails closed (503).
     */
    @IsInt({ message: 'must be an integer between 100 and 60000 (milliseconds)' })
    @Min(100, { message: 'must be an integer between 100 and 60000 (milliseconds)' })
    @Max(60_000, { message: 'must be an integer between 100 and 60000 (milliseconds)' })
    REVOCATION_FEED_GRACE_MS: number = 1000;
  }
  return WithAuthConfig;
}

export class AuthConfig extends withAuthConfig(class {}) {}

/** `AuthConfig` as the key resolvers read it: `NODE_ENV` may come with it (a service config). */
export type AuthSettings = AuthConfig & { NODE_ENV?: string };

/** `<repo>/.keys`, the repository being the nearest folder up with `nx.json` (else the cwd). */
function defaultKeysDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return join(dir, '.keys');
  }
  return resolve('.keys');
}
