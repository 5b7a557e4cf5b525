import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { loadConfig } from '@ajla/platform';
import { AuthConfig, AuthSettings } from './auth.config';
import { AccessTokenGuard, RolesGuard } from './http/guards';
import { AccessTokenVerifier } from './tokens/access-token.verifier';
import { TokenSigner } from './tokens/token-signer';
import { WsHandshakeVerifier } from './ws/ws-handshake.verifier';

export interface AuthModuleOptions {
  /** Defaults to the `JWT_*` variables of the environment. */
  config?: AuthSettings;
  /** Also provide `TokenSigner` (user-service). */
  signing?: boolean;
}

const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');

/**
 * The access-token verifier plus two global guards: `AccessTokenGuard` (every route needs a bearer
 * token unless `@Public()`), then `RolesGuard` (`@Roles(...)`).
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: AUTH_SETTINGS, useFactory: () => options.config ?? loadConfig(AuthConfig) },
      {
        provide: AccessTokenVerifier,
        inject: [AUTH_SETTINGS],
        useFactory: (config: AuthSettings) => AccessTokenVerifier.fromConfig(config),
      },
      {
        provide: WsHandshakeVerifier,
        inject: [AccessTokenVerifier],
        useFactory: (verifier: AccessTokenVerifier) => new WsHandshakeVerifier(verifier),
      },
      // Global guards run in this order: authentication, then roles.
      { provide: APP_GUARD, useClass: AccessTokenGuard },
      { provide: APP_GUARD, useClass: RolesGuard },
    ];
    const exports: NonNullable<DynamicModule['exports']> = [
      AccessTokenVerifier,
      WsHandshakeVerifier,
    ];
    if (options.signing) {
      providers.push({
        provide: TokenSigner,
        inject: [AUTH_SETTINGS],
        useFactory: (config: AuthSettings) => TokenSigner.fromConfig(config),
      });
      exports.push(TokenSigner);
    }
    return { module: AuthModule, global: true, providers, exports };
  }
}
