import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `users.users`. The schema comes from the DataSource; the shape from the migrations. */
@Entity({ name: 'users' })
export class UserOrmEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** Normalised (lower case); unique. */
  @Column('text')
  email!: string;

  @Column('text', { name: 'password_hash' })
  passwordHash!: string;

  @Column('text', { name: 'full_name', nullable: true })
  fullName!: string | null;

  @Column('text')
  role!: string;

  @Column('integer')
  tier!: number;

  @Column('jsonb')
  preferences!: object;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  /** Is or ever was an agent or admin: the accounts a staff snapshot reports. */
  @Column('boolean', { name: 'has_been_staff' })
  hasBeenStaff!: boolean;
}
