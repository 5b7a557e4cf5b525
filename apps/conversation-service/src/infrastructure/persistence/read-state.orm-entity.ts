import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `conversations.read_states`: how far one participant has read one conversation. */
@Entity({ name: 'read_states' })
export class ReadStateOrmEntity {
  @PrimaryColumn('uuid', { name: 'conversation_id' })
  conversationId!: string;

  @PrimaryColumn('uuid', { name: 'user_id' })
  userId!: string;

  @Column('integer', { name: 'last_read_seq' })
  lastReadSeq!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
