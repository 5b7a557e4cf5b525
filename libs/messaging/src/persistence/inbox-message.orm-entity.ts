import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Row of `<schema>.inbox_messages`: an event this service has handled. Written in the handler's
 * transaction, so "handled" and the handler's effects commit (or not) together.
 */
@Entity({ name: 'inbox_messages' })
export class InboxMessageOrmEntity {
  @PrimaryColumn('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text', { name: 'routing_key' })
  routingKey!: string;

  @Column({ type: 'timestamptz', name: 'handled_at', insert: false, update: false })
  handledAt!: Date;
}
