import { MESSAGING_ENTITIES } from '@ajla/messaging';
import { NotificationOrmEntity } from './notification.orm-entity';
import { StaffMemberOrmEntity } from './staff-member.orm-entity';

export const NOTIFICATIONS_SCHEMA = 'notifications';

export const notificationServiceEntities = [
  NotificationOrmEntity,
  StaffMemberOrmEntity,
  ...MESSAGING_ENTITIES,
];
