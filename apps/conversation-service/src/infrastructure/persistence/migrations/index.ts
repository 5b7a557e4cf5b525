import { CreateMessagingTables1763900000000 } from '@ajla/messaging';
import { CreateConversationsTables1764100000000 } from './1764100000000-create-conversations-tables';
import { CreateAppendMessagesFunction1764400000000 } from './1764400000000-create-append-messages-function';
import { AppendMessagesReturnsMessages1764500000000 } from './1764500000000-append-messages-returns-messages';
import { DropMessagesSenderIdIndex1764300000000 } from './1764300000000-drop-messages-sender-id-index';

/** Every migration of the `conversations` schema, oldest first. Add new ones at the end. */
export const conversationServiceMigrations = [
  // The outbox and inbox tables of @ajla/messaging, in this service's schema.
  CreateMessagingTables1763900000000,
  CreateConversationsTables1764100000000,
  DropMessagesSenderIdIndex1764300000000,
  CreateAppendMessagesFunction1764400000000,
  AppendMessagesReturnsMessages1764500000000,
];
