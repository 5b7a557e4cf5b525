import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  PASSWORD_MAX_CHARACTERS,
  PASSWORD_MIN_CHARACTERS,
} from '../../../domain/user/password.value-object';
import { FULL_NAME_MAX_CHARACTERS } from '../../../domain/user/full-name';

// The edge only checks shapes and bounds the work; the domain decides what a valid e-mail,
// password or name is (its messages become the 400's detail).
const EMAIL_MAX = 320;
/** Longer than any valid password, so a login with one is merely wrong, yet bounded for hashing. */
const LOGIN_PASSWORD_MAX = 1024;
/** Generous: a too-long string of the wrong kind (an access token) is an invalid token, a 401. */
const REFRESH_TOKEN_MAX = 4096;

export class RegisterRequest {
  @ApiProperty({ example: 'layla@example.com', maxLength: EMAIL_MAX })
  @IsString()
  @MaxLength(EMAIL_MAX)
  email!: string;

  @ApiProperty({
    minLength: PASSWORD_MIN_CHARACTERS,
    maxLength: PASSWORD_MAX_CHARACTERS,
    example: 'correct horse battery',
  })
  @IsString()
  @MaxLength(LOGIN_PASSWORD_MAX)
  password!: string;

  @ApiPropertyOptional({
    type: String,
    maxLength: FULL_NAME_MAX_CHARACTERS,
    example: 'Layla Al-Amin',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  full_name?: string | null;
}

export class LoginRequest {
  @ApiProperty({ example: 'layla@example.com' })
  @IsString()
  @MaxLength(EMAIL_MAX)
  email!: string;

  @ApiProperty({ example: 'correct horse battery' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(LOGIN_PASSWORD_MAX)
  password!: string;
}

export class RefreshTokenRequest {
  @ApiProperty({ description: 'The refresh token of the last login or refresh.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(REFRESH_TOKEN_MAX)
  refresh_token!: string;
}

export class CreateStaffUserRequest extends RegisterRequest {
  @ApiProperty({ enum: ['agent', 'admin'] })
  @IsIn(['agent', 'admin'])
  role!: 'agent' | 'admin';
}
