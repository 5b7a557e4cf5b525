import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every error of API.md. */
export class ErrorResponse {
  @ApiProperty({ example: 'conversation not found' })
  detail!: string;

  @ApiPropertyOptional({ example: 'conversation_not_found' })
  code?: string;
}
