import type { Provider } from '@nestjs/common';
import { SessionRevocationPublisher, TokenSigner } from '@ajla/auth';
import { REDIS } from '@ajla/platform';
import type { Redis } from 'ioredis';
import { REVOCATION_BROADCAST } from '../../application/ports/revocation-broadcast.port';
import { UserServiceConfig } from '../../config/user-service.config';
import { TOKEN_ISSUER } from '../../domain/session/token-issuer.port';
import { JwtTokenIssuer } from './jwt-token-issuer';
import { RedisRevocationBroadcast } from './redis-revocation-broadcast';

/**
 * The issuer on libs/auth's TokenSigner (provided by `AuthModule.forRoot({ signing: true })`), and
 * the broadcast of revocations on the service's Redis client.
 */
export const accessTokenProviders: Provider[] = [
  {
    provide: TOKEN_ISSUER,
    useFactory: (signer: TokenSigner) => new JwtTokenIssuer(signer),
    inject: [TokenSigner],
  },
  {
    provide: REVOCATION_BROADCAST,
    useFactory: (redis: Redis, config: UserServiceConfig) =>
      new RedisRevocationBroadcast(
        new SessionRevocationPublisher(redis, {
          keyPrefix: config.REDIS_KEY_PREFIX,
          accessTokenTtlSeconds: config.JWT_ACCESS_TTL_SECONDS,
        }),
      ),
    inject: [REDIS, UserServiceConfig],
  },
];
