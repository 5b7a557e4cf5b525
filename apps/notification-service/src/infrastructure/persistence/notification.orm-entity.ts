import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `notifications.notifications`: what one recipient is told of one event. */
@Entity({ name: 'notifications' })
export class NotificationOrmEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'recipient_id' })
  recipientId!: string;

  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text')
  type!: string;

  @Column('text')
  title!: string;

  @Column('text')
  body!: string;

  @Column('jsonb')
  data!: Record<string, string | number>;

  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  /** The recipient's own count, 1, 2, 3... in commit order (drawn from `notification_sequences`). */
  @Column({ type: 'bigint', update: false })
  seq!: string;
}
