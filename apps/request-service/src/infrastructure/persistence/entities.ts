import { MESSAGING_ENTITIES } from '@ajla/messaging';
import { AccountOrmEntity } from './account.orm-entity';
import { RequestOrmEntity } from './request.orm-entity';

export const REQUESTS_SCHEMA = 'requests';

export const requestServiceEntities = [RequestOrmEntity, AccountOrmEntity, ...MESSAGING_ENTITIES];
