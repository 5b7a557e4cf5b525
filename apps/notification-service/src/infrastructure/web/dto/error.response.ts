import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every error of API.md. */
export class ErrorResponse {
  @ApiProperty({ example: 'notification not found' })
  detail!: string;

  @ApiPropertyOptional({ example: 'notification_not_found' })
  code?: string;
}
