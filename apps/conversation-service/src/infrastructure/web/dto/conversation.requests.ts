import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDateString,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  Min,
  Validate,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
} from '../../../application/get-conversation/get-conversation.handler';
import type { MessageWindow } from '../../../application/get-conversation/get-conversation.query';

const MAX_SEQ = 2_147_483_647;

/**
 * A page goes one way: `after_seq`, `before_seq` and `latest=true` exclude one another. On
 * `before_seq` it looks at `after_seq`; on `latest` at both (so one conflict is said once).
 */
@ValidatorConstraint({ name: 'onePageDirection' })
class OnePageDirection implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const query = args.object as GetConversationQueryParams;
    if (args.property === 'latest') {
      return value !== true || (query.after_seq === undefined && query.before_seq === undefined);
    }
    return query.after_seq === undefined;
  }

  defaultMessage(): string {
    return 'after_seq, before_seq and latest=true cannot be used together';
  }
}

/** `GET /api/v1/conversations/{id}`. */
export class GetConversationQueryParams {
  @ApiPropertyOptional({
    minimum: 0,
    default: 0,
    description: 'Paging forward: the oldest `limit` messages with a greater seq.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  after_seq?: number;

  @ApiPropertyOptional({
    minimum: 1,
    description:
      'Paging backward (older history): the newest `limit` messages with a smaller seq, still ' +
      'in ascending seq; has_more then says whether older ones exist. Not with after_seq or latest.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  @Validate(OnePageDirection)
  before_seq?: number;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description:
      'true: the newest `limit` messages of the conversation (opening it at its end), in ' +
      'ascending seq; has_more then says whether older ones exist. Not with after_seq or before_seq.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  @Validate(OnePageDirection)
  latest?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;
}

/** Which messages validated parameters ask for. */
export function messageWindowOf(query: GetConversationQueryParams): MessageWindow {
  if (query.before_seq !== undefined) return { kind: 'before', seq: query.before_seq };
  if (query.latest === true) return { kind: 'latest' };
  return { kind: 'after', seq: query.after_seq ?? 0 };
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
