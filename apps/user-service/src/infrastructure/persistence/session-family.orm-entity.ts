import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `users.session_families`: one per login; revoking it ends every token of the family. */
@Entity({ name: 'session_families' })
export class SessionFamilyOrmEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  @Column('text', { name: 'revoked_reason', nullable: true })
  revokedReason!: string | null;
}
