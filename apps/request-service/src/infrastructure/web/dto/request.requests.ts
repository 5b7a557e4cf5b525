import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '@ajla/platform';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { RequestDescription } from '../../../domain/request/request-description.value-object';
import {
  REQUEST_STATUS_NAMES,
  type RequestStatusName,
} from '../../../domain/request/request-status.value-object';
import {
  REQUEST_TYPE_NAMES,
  type RequestTypeName,
} from '../../../domain/request/request-type.value-object';

/** `POST /api/v1/requests`. */
export class SubmitRequestBody {
  @ApiProperty({ enum: REQUEST_TYPE_NAMES, example: 'dining' })
  @IsIn(REQUEST_TYPE_NAMES)
  type!: RequestTypeName;

  @ApiProperty({
    minLength: 1,
    maxLength: RequestDescription.MAX_LENGTH,
    description: `Trimmed; 1 to ${RequestDescription.MAX_LENGTH} characters (Unicode code points).`,
    example: 'A table for four at a rooftop restaurant, Friday 8 pm',
  })
  @IsString()
  description!: string;
}

/** `GET /api/v1/requests`. */
export class ListMyRequestsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: REQUEST_STATUS_NAMES })
  @IsOptional()
  @IsIn(REQUEST_STATUS_NAMES)
  status?: RequestStatusName;
}

/** `GET /api/v1/admin/requests`. */
export class ListRequestQueueQuery extends ListMyRequestsQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only requests assigned to this staff member.',
  })
  @IsOptional()
  @IsUUID('all')
  assignee_id?: string;
}

/** `POST /api/v1/admin/requests/{id}/assign`. */
export class AssignRequestBody {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The agent or admin to give the request to; omitted: the caller takes it.',
  })
  @IsOptional()
  @IsUUID('all')
  agent_id?: string;
}

/** `POST /api/v1/admin/requests/{id}/status`. */
export class ChangeRequestStatusBody {
  @ApiProperty({
    enum: REQUEST_STATUS_NAMES,
    description:
      'Staff move a request assigned → in_progress → fulfilled. "assigned" comes from assigning and "cancelled" from its client: both answer 409 here, as does any other move.',
    example: 'in_progress',
  })
  @IsIn(REQUEST_STATUS_NAMES)
  status!: RequestStatusName;
}
