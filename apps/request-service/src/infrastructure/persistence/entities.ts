import { MESSAGING_ENTITIES } from '@ajla/messaging';
import { RequestOrmEntity } from './request.orm-entity';
import { StaffMemberOrmEntity } from './staff-member.orm-entity';

export const REQUESTS_SCHEMA = 'requests';

export const requestServiceEntities = [
  RequestOrmEntity,
  StaffMemberOrmEntity,
  ...MESSAGING_ENTITIES,
];
