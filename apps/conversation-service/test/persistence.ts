// The persistence adapters on a fresh, migrated database, for their integration specs.
import { OutboxUnitOfWork, OutboxWriter } from '@ajla/messaging';
import { createDataSource } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import { migratedDatabase, type MigratedDatabase } from '@ajla/testing';
import { Conversation } from '../src/domain/conversation/conversation.aggregate';
import type { MessageDraft } from '../src/domain/conversation/message.aggregate';
import { OpeningText } from '../src/domain/conversation/opening-text.value-object';
import type { ConversationId, MessageId, RequestId, UserId } from '../src/domain/ids';
import {
  conversationIntegrationEventMapper,
  PRODUCER,
} from '../src/infrastructure/messaging/conversation-integration-event.mapper';
import {
  CONVERSATIONS_SCHEMA,
  conversationServiceEntities,
} from '../src/infrastructure/persistence/entities';
import { PostgresMessageLog } from '../src/infrastructure/persistence/message-log/postgres-message-log';
import { conversationServiceMigrations } from '../src/infrastructure/persistence/migrations';
import { TypeOrmConversationRepository } from '../src/infrastructure/persistence/typeorm-conversation.repository';

export class PersistenceBed {
  readonly outbox = new OutboxWriter();
  readonly unitOfWork: OutboxUnitOfWork;
  readonly conversations: TypeOrmConversationRepository;
  readonly messages: PostgresMessageLog;

  private constructor(readonly db: MigratedDatabase) {
    this.unitOfWork = new OutboxUnitOfWork(db.dataSource, this.outbox, {
      producer: PRODUCER,
      events: conversationIntegrationEventMapper,
    });
    this.conversations = new TypeOrmConversationRepository(this.unitOfWork);
    this.messages = new PostgresMessageLog(db.dataSource, this.outbox);
  }

  static async create(label: string): Promise<PersistenceBed> {
    const db = await migratedDatabase(label, (url) =>
      createDataSource({
        url,
        schema: CONVERSATIONS_SCHEMA,
        entities: conversationServiceEntities,
        migrations: conversationServiceMigrations,
        poolSize: 20,
      }),
    );
    return new PersistenceBed(db);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** A stored conversation of `userId` (a new client by default), with its opening message. */
  async aConversation(userId = newId<'UserId'>() as UserId): Promise<Conversation> {
    const { conversation, opening } = Conversation.start({
      id: newId<'ConversationId'>() as ConversationId,
      requestId: newId<'RequestId'>() as RequestId,
      userId,
      description: OpeningText.create('A table for two'),
      createdAt: new Date('2026-11-22T10:00:00.123Z'),
    });
    const started = await this.unitOfWork.run(() =>
      this.conversations.start(conversation, opening),
    );
    if (!started) throw new Error('the conversation existed already');
    return conversation;
  }

  /** A message of the conversation's client, about to be appended. */
  draft(conversation: Conversation, overrides: Partial<MessageDraft> = {}): MessageDraft {
    return {
      id: newId<'MessageId'>() as MessageId,
      conversationId: conversation.id,
      requestId: conversation.requestId,
      conversationUserId: conversation.userId,
      senderId: conversation.userId,
      senderType: 'user',
      content: 'hello 👋',
      clientId: null,
      createdAt: new Date(),
      ...overrides,
    };
  }

  /** The routing keys of the conversation's events in the outbox, oldest first. */
  async outboxOf(conversationId: string): Promise<string[]> {
    const rows: { routing_key: string }[] = await this.db.dataSource.query(
      `SELECT routing_key FROM conversations.outbox_messages
        WHERE envelope->'data'->>'conversation_id' = $1 ORDER BY seq`,
      [conversationId],
    );
    return rows.map((row) => row.routing_key);
  }
}
