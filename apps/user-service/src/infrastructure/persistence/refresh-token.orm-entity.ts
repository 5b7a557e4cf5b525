import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Row of `users.refresh_tokens`. Only the SHA-256 of a token is stored, never the token. */
@Entity({ name: 'refresh_tokens' })
export class RefreshTokenOrmEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'family_id' })
  familyId!: string;

  /** Hex SHA-256; unique. */
  @Column('text', { name: 'token_hash' })
  tokenHash!: string;

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'spent_at', nullable: true })
  spentAt!: Date | null;

  @Column('uuid', { name: 'replaced_by_id', nullable: true })
  replacedById!: string | null;
}
