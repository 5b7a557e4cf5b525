import { MESSAGING_ENTITIES } from '@ajla/messaging';
import { ConversationOrmEntity } from './conversation.orm-entity';
import { MessageOrmEntity } from './message.orm-entity';
import { ReadStateOrmEntity } from './read-state.orm-entity';

export const CONVERSATIONS_SCHEMA = 'conversations';

export const conversationServiceEntities = [
  ConversationOrmEntity,
  MessageOrmEntity,
  ReadStateOrmEntity,
  ...MESSAGING_ENTITIES,
];
