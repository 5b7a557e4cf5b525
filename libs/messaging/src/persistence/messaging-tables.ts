import type { DataSource } from 'typeorm';
import { InboxMessageOrmEntity } from './inbox-message.orm-entity';
import { OutboxMessageOrmEntity } from './outbox-message.orm-entity';

export interface MessagingTables {
  schema: string;
  /** Quoted, schema-qualified: `"users"."outbox_messages"`. */
  outbox: string;
  inbox: string;
  /** The Postgres NOTIFY channel a commit with new outbox rows signals on. */
  notifyChannel: string;
}

const cache = new WeakMap<DataSource, MessagingTables>();

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Where the outbox and inbox of this DataSource's service live. */
export function messagingTables(dataSource: DataSource): MessagingTables {
  const known = cache.get(dataSource);
  if (known) return known;
  if (
    !dataSource.hasMetadata(OutboxMessageOrmEntity) ||
    !dataSource.hasMetadata(InboxMessageOrmEntity)
  ) {
    throw new Error(
      'The outbox and inbox are not among this DataSource entities: add MESSAGING_ENTITIES to the ' +
        "service's entities and CreateMessagingTables1763900000000 to its migrations",
    );
  }
  const outbox = dataSource.getMetadata(OutboxMessageOrmEntity);
  const inbox = dataSource.getMetadata(InboxMessageOrmEntity);
  const schema = outbox.schema ?? (dataSource.options as { schema?: string }).schema ?? 'public';
  const tables: MessagingTables = {
    schema,
    outbox: `${quote(schema)}.${quote(outbox.tableName)}`,
    inbox: `${quote(inbox.schema ?? schema)}.${quote(inbox.tableName)}`,
    // Channel names are identifiers: at most 63 bytes.
    notifyChannel: `ajla_outbox_${schema}`.slice(0, 63),
  };
  cache.set(dataSource, tables);
  return tables;
}
