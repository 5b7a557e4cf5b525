import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every error of API.md. */
export class ErrorResponse {
  @ApiProperty({ example: 'cannot move a request from new to fulfilled' })
  detail!: string;

  @ApiPropertyOptional({ example: 'transition_not_allowed' })
  code?: string;
}
