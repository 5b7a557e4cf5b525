import { ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '@ajla/platform';
import { IsIn, IsObject, IsOptional, IsString } from 'class-validator';
import { PREFERENCES_MAX_BYTES } from '../../../domain/user/preferences.value-object';
import { ROLE_NAMES, type RoleName } from '../../../domain/user/role.value-object';
import { TIER_LEVELS, type TierLevel } from '../../../domain/user/tier.value-object';
import { FULL_NAME_MAX_CHARACTERS } from '../../../domain/user/full-name';

/** `PUT /users/me`: e-mail, role and tier are not a client's to change (unknown fields: 400). */
export class UpdateProfileRequest {
  @ApiPropertyOptional({
    type: String,
    maxLength: FULL_NAME_MAX_CHARACTERS,
    nullable: true,
    description: 'null or blank removes the name; absent leaves it as it is.',
  })
  @IsOptional()
  @IsString()
  full_name?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `A JSON object (at most ${PREFERENCES_MAX_BYTES} bytes); replaces the stored one.`,
    example: { language: 'ar' },
  })
  @IsOptional()
  @IsObject()
  preferences?: Record<string, unknown>;
}

export class ListUsersRequest extends PageQueryDto {
  @ApiPropertyOptional({ enum: ROLE_NAMES })
  @IsOptional()
  @IsIn(ROLE_NAMES)
  role?: RoleName;
}

export class ChangeUserAccessRequest {
  @ApiPropertyOptional({ enum: ROLE_NAMES })
  @IsOptional()
  @IsIn(ROLE_NAMES)
  role?: RoleName;

  @ApiPropertyOptional({ enum: TIER_LEVELS })
  @IsOptional()
  @IsIn(TIER_LEVELS)
  tier?: TierLevel;
}
