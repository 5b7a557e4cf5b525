import { AccountOrmEntity } from '@ajla/account-directory';
import { MESSAGING_ENTITIES } from '@ajla/messaging';
import { NotificationOrmEntity } from './notification.orm-entity';

export const NOTIFICATIONS_SCHEMA = 'notifications';

export const notificationServiceEntities = [
  NotificationOrmEntity,
  AccountOrmEntity,
  ...MESSAGING_ENTITIES,
];
