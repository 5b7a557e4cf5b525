import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Row of `<schema>.outbox_messages`: an event written in the same transaction as the change it
 * reports, waiting for (or done with) the relay. The shape comes from the migration.
 */
@Entity({ name: 'outbox_messages' })
export class OutboxMessageOrmEntity {
  /** The envelope's id, also the AMQP message_id. */
  @PrimaryColumn('uuid')
  id!: string;

  /** Commit-independent insertion order; the relay publishes in this order. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column('text', { name: 'routing_key' })
  routingKey!: string;

  /** The envelope as published (json, not jsonb: its text is kept as written). */
  @Column('json')
  envelope!: object;

  /** AMQP headers captured when the event was written: `x-correlation-id`, `traceparent`. */
  @Column('jsonb')
  headers!: Record<string, string>;

  @Column({ type: 'timestamptz', name: 'created_at', insert: false, update: false })
  createdAt!: Date;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  /** Publish attempts (a confirmed one included). */
  @Column('integer')
  attempts!: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;
}
