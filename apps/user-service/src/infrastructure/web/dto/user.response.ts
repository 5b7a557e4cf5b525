import { ApiProperty } from '@nestjs/swagger';
import { PageResponseOf } from '@ajla/platform';
import { ROLE_NAMES, type RoleName } from '../../../domain/user/role.value-object';
import { TIER_LEVELS, type TierLevel } from '../../../domain/user/tier.value-object';
import type { User } from '../../../domain/user/user.aggregate';
import type { JsonObject } from '../../../domain/user/preferences.value-object';

/** The user of API.md. Built field by field: nothing else (a hash above all) can leak. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'layla@example.com' })
  email!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Layla Al-Amin' })
  full_name!: string | null;

  @ApiProperty({ enum: TIER_LEVELS, example: 5000 })
  tier!: TierLevel;

  @ApiProperty({ enum: ROLE_NAMES, example: 'user' })
  role!: RoleName;

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  preferences!: JsonObject;

  @ApiProperty({ format: 'date-time', example: '2025-01-01T12:00:00.000Z' })
  created_at!: string;

  static from(user: User): UserResponse {
    return {
      id: user.id,
      email: user.email.value,
      full_name: user.fullName,
      tier: user.tier.level,
      role: user.role.name,
      preferences: user.preferences.toJSON(),
      created_at: user.createdAt.toISOString(),
    };
  }
}

export class UserListResponse extends PageResponseOf(UserResponse) {}
