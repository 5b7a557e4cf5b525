import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `requests.requests`. The schema comes from the DataSource; the shape from the migrations. */
@Entity({ name: 'requests' })
export class RequestOrmEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** The client who submitted it. */
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Column('text')
  type!: string;

  @Column('text')
  description!: string;

  @Column('text')
  status!: string;

  @Column('uuid', { name: 'assignee_id', nullable: true })
  assigneeId!: string | null;

  @Column('uuid', { name: 'conversation_id' })
  conversationId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
