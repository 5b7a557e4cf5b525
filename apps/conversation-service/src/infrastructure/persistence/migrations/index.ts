import { CreateMessagingTables1763900000000 } from '@ajla/messaging';
import { CreateConversationsTables1764100000000 } from './1764100000000-create-conversations-tables';
import { DropMessagesSenderIdIndex1764300000000 } from './1764300000000-drop-messages-sender-id-index';

/** Every migration of the `conversations` schema, oldest first. Add new ones at the end. */
export const conversationServiceMigrations = [
  // The outbox and inbox tables of @ajla/messaging, in this service's schema.
  CreateMessagingTables1763900000000,
  CreateConversationsTables1764100000000,
  DropMessagesSenderIdIndex1764300000000,
];
