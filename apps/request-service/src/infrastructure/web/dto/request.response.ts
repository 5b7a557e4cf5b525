import { ApiProperty } from '@nestjs/swagger';
import { PageResponseOf } from '@ajla/platform';
import type { Request } from '../../../domain/request/request.aggregate';
import {
  REQUEST_STATUS_NAMES,
  type RequestStatusName,
} from '../../../domain/request/request-status.value-object';
import {
  REQUEST_TYPE_NAMES,
  type RequestTypeName,
} from '../../../domain/request/request-type.value-object';

/** The request of API.md, built field by field. */
export class RequestResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'The client who submitted it.' })
  user_id!: string;

  @ApiProperty({ enum: REQUEST_TYPE_NAMES, example: 'dining' })
  type!: RequestTypeName;

  @ApiProperty({ example: 'A table for four at a rooftop restaurant, Friday 8 pm' })
  description!: string;

  @ApiProperty({ enum: REQUEST_STATUS_NAMES, example: 'new' })
  status!: RequestStatusName;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  assignee_id!: string | null;

  @ApiProperty({
    format: 'uuid',
    description: 'The conversation of this request (conversation-service); usable at once.',
  })
  conversation_id!: string;

  @ApiProperty({ format: 'date-time', example: '2025-01-01T12:00:00.000Z' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', example: '2025-01-01T12:00:00.000Z' })
  updated_at!: string;

  static from(request: Request): RequestResponse {
    return {
      id: request.id,
      user_id: request.userId,
      type: request.type.name,
      description: request.description.value,
      status: request.status.name,
      assignee_id: request.assigneeId,
      conversation_id: request.conversationId,
      created_at: request.createdAt.toISOString(),
      updated_at: request.updatedAt.toISOString(),
    };
  }
}

export class RequestListResponse extends PageResponseOf(RequestResponse) {}
