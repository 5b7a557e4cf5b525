import { ApiProperty } from '@nestjs/swagger';
import type { TokenPair } from '../../../application/ports/token-pair';

export class TokensResponse {
  @ApiProperty({ description: 'ES256 JWT for `Authorization: Bearer`.' })
  access_token!: string;

  @ApiProperty({ description: 'Opaque; exchange it once at /api/v1/auth/refresh.' })
  refresh_token!: string;

  @ApiProperty({ enum: ['bearer'] })
  token_type!: 'bearer';

  @ApiProperty({ description: 'Seconds until the access token expires.', example: 900 })
  expires_in!: number;

  static from(pair: TokenPair): TokensResponse {
    return {
      access_token: pair.accessToken,
      refresh_token: pair.refreshToken,
      token_type: 'bearer',
      expires_in: pair.expiresInSeconds,
    };
  }
}

export class JwksResponse {
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  keys!: Record<string, unknown>[];
}

export class ErrorResponse {
  @ApiProperty({ example: 'invalid e-mail or password' })
  detail!: string;

  @ApiProperty({ example: 'invalid_credentials' })
  code!: string;
}
