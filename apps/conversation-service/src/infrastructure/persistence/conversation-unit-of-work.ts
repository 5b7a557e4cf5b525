import { OutboxWriter } from '@ajla/messaging';
import { TypeOrmUnitOfWork } from '@ajla/platform';
import type { DataSource } from 'typeorm';
import { toIntegrationEvent } from '../messaging/conversation-integration-events';

/**
 * The platform's unit of work, writing the events of the conversations and messages saved in it
 * to the outbox just before it commits: a message and its `message.created` are stored together
 * or not at all.
 */
export function conversationUnitOfWork(
  dataSource: DataSource,
  outbox: OutboxWriter,
): TypeOrmUnitOfWork {
  return new TypeOrmUnitOfWork(dataSource, {
    beforeCommit: (manager, saved) =>
      outbox.append(
        manager,
        saved.flatMap((aggregate) => aggregate.pullEvents().map(toIntegrationEvent)),
      ),
  });
}
