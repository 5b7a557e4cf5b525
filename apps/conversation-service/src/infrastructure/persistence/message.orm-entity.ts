import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `conversations.messages`. */
@Entity({ name: 'messages' })
export class MessageOrmEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'conversation_id' })
  conversationId!: string;

  @Column('integer')
  seq!: number;

  @Column('uuid', { name: 'sender_id', nullable: true })
  senderId!: string | null;

  @Column('text', { name: 'sender_type' })
  senderType!: string;

  @Column('text')
  content!: string;

  @Column('uuid', { name: 'client_id', nullable: true })
  clientId!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
