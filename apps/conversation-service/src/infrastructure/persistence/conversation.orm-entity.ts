import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `conversations.conversations`. The shape comes from the migrations. */
@Entity({ name: 'conversations' })
export class ConversationOrmEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'request_id' })
  requestId!: string;

  /** The request's client. */
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  /** The seq of the newest message: the counter the next message's seq is taken from. */
  @Column('integer', { name: 'last_seq' })
  lastSeq!: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
