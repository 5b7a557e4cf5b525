import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Row of `<schema>.accounts`: an account as user events last told it, clients too (a client's row
 * and its time keep an older "agent" event, arriving after a demotion, from making it staff
 * again). Each consuming service creates the table in its own schema with its own migrations.
 */
@Entity({ name: 'accounts' })
export class AccountOrmEntity {
  @PrimaryColumn('uuid', { name: 'user_id' })
  userId!: string;

  @Column('text')
  role!: string;

  @Column('text')
  email!: string;

  @Column('text', { name: 'full_name', nullable: true })
  fullName!: string | null;

  /** The time of the account state held here; an event about an older state is ignored. */
  @Column('timestamptz', { name: 'last_event_at' })
  lastEventAt!: Date;

  /** When this row last changed (bookkeeping). */
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
