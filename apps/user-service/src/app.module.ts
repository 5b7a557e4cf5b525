import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@ajla/auth';
import { subscriptionsOf } from '@ajla/contracts';
import { MessagingModule } from '@ajla/messaging';
import { DatabaseModule, PlatformModule, REDIS, RedisModule } from '@ajla/platform';
import type { Redis } from 'ioredis';
import { ChangeUserAccessHandler } from './application/change-user-access/change-user-access.handler';
import { CreateStaffUserHandler } from './application/create-staff-user/create-staff-user.handler';
import { EnsureAdminHandler } from './application/ensure-admin/ensure-admin.handler';
import { GetProfileHandler } from './application/get-profile/get-profile.handler';
import { ListUsersHandler } from './application/list-users/list-users.handler';
import { LogInHandler } from './application/log-in/log-in.handler';
import { LogOutHandler } from './application/log-out/log-out.handler';
import { SESSION_POLICY, type SessionPolicy } from './application/ports/session-policy.port';
import { RefreshSessionHandler } from './application/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from './application/register-user/register-user.handler';
import { ReportStaffSnapshotHandler } from './application/report-staff-snapshot/report-staff-snapshot.handler';
import { UpdateProfileHandler } from './application/update-profile/update-profile.handler';
import { UserServiceConfig } from './config/user-service.config';
import { LOGIN_THROTTLE } from './domain/login/login-throttle.port';
import { AdminBootstrap } from './infrastructure/bootstrap/admin-bootstrap';
import { SnapshotRequestsController } from './infrastructure/messaging/snapshot-requests.controller';
import { USERS_SCHEMA, userServiceEntities } from './infrastructure/persistence/entities';
import { userServiceMigrations } from './infrastructure/persistence/migrations';
import { accessTokenProviders } from './infrastructure/security/access-token.providers';
import { SessionFamilyRetention } from './infrastructure/retention/session-family-retention';
import { RedisLoginThrottle } from './infrastructure/security/redis-login-throttle';
import {
  clockProviders,
  passwordProviders,
  persistenceProviders,
} from './infrastructure/user-service.providers';
import { AdminUsersController } from './infrastructure/web/admin-users.controller';
import { AuthController } from './infrastructure/web/auth.controller';
import { JwksController } from './infrastructure/web/jwks.controller';
import { ProfileController } from './infrastructure/web/profile.controller';

export const SERVICE_NAME = 'user-service';

export const OPEN_API = {
  title: 'AJLA user-service',
  description: 'Identity: registration, login, tokens, profile, roles and staff accounts.',
  version: '1',
};

const handlers = [
  RegisterUserHandler,
  LogInHandler,
  RefreshSessionHandler,
  LogOutHandler,
  GetProfileHandler,
  UpdateProfileHandler,
  CreateStaffUserHandler,
  ListUsersHandler,
  ChangeUserAccessHandler,
  EnsureAdminHandler,
  ReportStaffSnapshotHandler,
];

export interface AppModuleOptions {
  /**
   * Names the RabbitMQ connection and this service's queues (`<name>.events`, ...); default
   * `user-service`. Tests give their own, so that their queues are not another instance's.
   */
  messagingName?: string;
}

/**
 * user-service: identity, over HTTP; answers requests for staff snapshots from its queue.
 * `config` is validated before this is built (main.ts).
 */
@Module({})
export class AppModule {
  static forRoot(config: UserServiceConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: SERVICE_NAME, logLevel: config.LOG_LEVEL }),
        DatabaseModule.forRoot({
          schema: USERS_SCHEMA,
          entities: userServiceEntities,
          migrations: userServiceMigrations,
          config,
        }),
        RedisModule.forRoot({ config }),
        // Verifies the tokens it issues like every other service does, and signs them.
        AuthModule.forRoot({ config, signing: true }),
        // Publishes user.registered, user.updated and user.snapshot from the outbox; consumes the
        // requests for staff snapshots (user.snapshot_requested).
        MessagingModule.forRoot({
          serviceName: options.messagingName ?? SERVICE_NAME,
          config,
          subscriptions: subscriptionsOf(SERVICE_NAME),
        }),
      ],
      controllers: [
        SnapshotRequestsController,
        AuthController,
        ProfileController,
        AdminUsersController,
        JwksController,
      ],
      providers: [
        { provide: UserServiceConfig, useValue: config },
        ...persistenceProviders,
        ...passwordProviders,
        ...clockProviders,
        ...accessTokenProviders,
        {
          provide: LOGIN_THROTTLE,
          useFactory: (redis: Redis) => new RedisLoginThrottle(redis, config.loginThrottlePolicy),
          inject: [REDIS],
        },
        {
          provide: SESSION_POLICY,
          useValue: {
            sessionLifetimeSeconds: config.sessionLifetimeSeconds,
          } satisfies SessionPolicy,
        },
        ...handlers,
        AdminBootstrap,
        SessionFamilyRetention,
      ],
    };
  }
}
