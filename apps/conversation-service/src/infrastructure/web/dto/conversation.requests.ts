import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
} from '../../../application/get-conversation/get-conversation.handler';

/** `GET /api/v1/conversations/{id}`. */
export class GetConversationQueryParams {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Only messages with a greater seq.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  after_seq?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;
}

/** `POST /api/v1/messages`. */
export class PostMessageBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  conversation_id!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 4000,
    description: 'Trimmed; 1 to 4000 characters (Unicode code points).',
    example: 'Could we make it 9 pm instead?',
  })
  @IsString()
  content!: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description:
      'Chosen by the sender: sending the same client_id again in the conversation creates nothing new and answers the message first created (200).',
  })
  @IsOptional()
  @IsUUID('all')
  client_id?: string | null;
}

/** `PUT /internal/conversations/{id}`: request-service opens a request's conversation. */
export class StartConversationBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  request_id!: string;

  @ApiProperty({ format: 'uuid', description: "The request's client." })
  @IsUUID('all')
  user_id!: string;

  @ApiProperty({ description: "The request's description: the opening message (1..5000)." })
  @IsString()
  description!: string;

  @ApiProperty({ format: 'date-time' })
  @IsDateString({ strict: true })
  created_at!: string;
}
