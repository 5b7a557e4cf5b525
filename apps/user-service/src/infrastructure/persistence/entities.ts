import { MESSAGING_ENTITIES } from '@ajla/messaging';
import { RefreshTokenOrmEntity } from './refresh-token.orm-entity';
import { SessionFamilyOrmEntity } from './session-family.orm-entity';
import { UserOrmEntity } from './user.orm-entity';

export const USERS_SCHEMA = 'users';

export const userServiceEntities = [
  UserOrmEntity,
  SessionFamilyOrmEntity,
  RefreshTokenOrmEntity,
  // The outbox (and the inbox, unused until this service consumes events).
  ...MESSAGING_ENTITIES,
];
