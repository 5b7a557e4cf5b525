import { AccountOrmEntity } from '@ajla/account-directory';
import { MESSAGING_ENTITIES } from '@ajla/messaging';
import { RequestOrmEntity } from './request.orm-entity';

export const REQUESTS_SCHEMA = 'requests';

export const requestServiceEntities = [RequestOrmEntity, AccountOrmEntity, ...MESSAGING_ENTITIES];
