import { MESSAGING_ENTITIES } from '@ajla/messaging';
import { NotificationOrmEntity } from './notification.orm-entity';
import { AccountOrmEntity } from './account.orm-entity';

export const NOTIFICATIONS_SCHEMA = 'notifications';

export const notificationServiceEntities = [
  NotificationOrmEntity,
  AccountOrmEntity,
  ...MESSAGING_ENTITIES,
];
