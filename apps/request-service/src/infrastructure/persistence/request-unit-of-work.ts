import { OutboxWriter } from '@ajla/messaging';
import { TypeOrmUnitOfWork } from '@ajla/platform';
import type { DataSource } from 'typeorm';
import { toIntegrationEvent } from '../messaging/request-integration-events';

/**
 * The platform's unit of work, writing the events of the requests saved in it to the outbox just
 * before it commits: a request and its events are stored together or not at all.
 */
export function requestUnitOfWork(dataSource: DataSource, outbox: OutboxWriter): TypeOrmUnitOfWork {
  return new TypeOrmUnitOfWork(dataSource, {
    beforeCommit: (manager, saved) =>
      outbox.append(
        manager,
        saved.flatMap((aggregate) => aggregate.pullEvents().map(toIntegrationEvent)),
      ),
  });
}
