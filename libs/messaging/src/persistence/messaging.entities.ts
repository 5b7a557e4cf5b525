import { InboxMessageOrmEntity } from './inbox-message.orm-entity';
import { OutboxMessageOrmEntity } from './outbox-message.orm-entity';

/** Add these to the service's entities (with the migration `CreateMessagingTables1763900000000`). */
export const MESSAGING_ENTITIES = [OutboxMessageOrmEntity, InboxMessageOrmEntity];
