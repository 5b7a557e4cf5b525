import { ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '@ajla/platform';
import { IsIn, IsOptional } from 'class-validator';

/** `GET /api/v1/notifications`. */
export class ListNotificationsQuery extends PageQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: only the notifications not read yet.',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';
}
