import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
  Provider,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { READINESS_CHECKS, ReadinessCheck, RedisConfig, loadConfig } from '@ajla/platform';
import { AuthConfig, AuthSettings } from './auth.config';
import { AccessTokenGuard, RolesGuard } from './http/guards';
import { RedisRevocationFeed } from './revocations/redis-revocation-feed';
import { SessionRevocations } from './revocations/session-revocations';
import { AccessTokenVerifier } from './tokens/access-token.verifier';
import { TokenSigner } from './tokens/token-signer';
import { WsHandshakeVerifier } from './ws/ws-handshake.verifier';

export interface AuthModuleOptions {
  /**
   * Defaults to the `JWT_*` variables of the environment. `REDIS_URL` and `REDIS_KEY_PREFIX` (the
   * revocation feed) are read from it when it has them (a service config), else from the environment.
   */
  config?: AuthSettings & Partial<RedisConfig>;
  /** Also provide `TokenSigner` (user-service). */
  signing?: boolean;
}

const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');
/** How long start-up waits for the first load of the revocation list before going on without it. */
const FIRST_SYNC_WAIT_MS = 5000;

/** Starts the revocation feed with the module and stops it after the HTTP server has closed. */
@Injectable()
class RevocationFeedLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionRevocations');

  constructor(private readonly feed: RedisRevocationFeed) {}

  async onModuleInit(): Promise<void> {
    this.feed.start();
    // Without the list every token is refused (503): say so, but start and catch up when Redis is back.
    if (!(await this.feed.whenSynced(FIRST_SYNC_WAIT_MS))) {
      this.logger.warn(
        'Session revocations not loaded yet: tokens are refused (503) until they are',
      );
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.feed.stop();
  }
}

/** `/health/ready` fails while the revocation list cannot vouch for itself (tokens get 503 then). */
@Injectable()
export class SessionRevocationsReadinessCheck implements ReadinessCheck {
  readonly name = 'session_revocations';

  constructor(@Inject(SessionRevocations) private readonly revocations: SessionRevocations) {}

  async check(): Promise<void> {
    if (!this.revocations.isCurrent) {
      const ms = this.revocations.staleForMs;
      throw new Error(
        Number.isFinite(ms) ? `revocation feed silent for ${ms} ms` : 'revocations not loaded yet',
      );
    }
  }
}

/**
 * The access-token verifier, fed by the session revocation list, plus two global guards:
 * `AccessTokenGuard` (every route needs a bearer token unless `@Public()`), then `RolesGuard`
 * (`@Roles(...)`).
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: AUTH_SETTINGS, useFactory: () => options.config ?? loadConfig(AuthConfig) },
      {
        provide: SessionRevocations,
        inject: [AUTH_SETTINGS],
        useFactory: (config: AuthSettings) =>
          new SessionRevocations({ graceMs: config.REVOCATION_FEED_GRACE_MS }),
      },
      {
        provide: RedisRevocationFeed,
        inject: [SessionRevocations, AUTH_SETTINGS],
        useFactory: (list: SessionRevocations, config: AuthSettings & Partial<RedisConfig>) =>
          new RedisRevocationFeed(
            list,
            config.REDIS_URL !== undefined && config.REDIS_KEY_PREFIX !== undefined
              ? { REDIS_URL: config.REDIS_URL, REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX }
              : loadConfig(RedisConfig),
            config.REVOCATION_FEED_GRACE_MS,
          ),
      },
      RevocationFeedLifecycle,
      SessionRevocationsReadinessCheck,
      { provide: READINESS_CHECKS, useExisting: SessionRevocationsReadinessCheck },
      {
        provide: AccessTokenVerifier,
        inject: [AUTH_SETTINGS, SessionRevocations],
        useFactory: (config: AuthSettings, revocations: SessionRevocations) =>
          AccessTokenVerifier.fromConfig(config, revocations),
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
      SessionRevocations,
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
