import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { UnreadCount } from '../../../domain/conversation/unread-counts.port';

/** `GET /api/v1/conversations/unread`. */
export class UnreadCountsQueryParams {
  @ApiProperty({
    description:
      'Conversation ids (UUIDs), comma-separated, 1 to 100 of them (e.g. the conversation_id of each request of a queue page).',
    example: '0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b,0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1c',
  })
  @IsString()
  // 100 UUIDs and their commas; anything longer has too many ids or malformed ones.
  @MaxLength(100 * 37)
  ids!: string;
}

/** How far the caller is behind in one conversation. */
export class UnreadCountResponse {
  @ApiProperty({ format: 'uuid' })
  conversation_id!: string;

  @ApiProperty({
    example: 3,
    description:
      "Messages with a seq above read_seq written by someone other than the caller (the caller's own never count).",
  })
  unread!: number;

  @ApiProperty({ example: 7, description: 'The seq of the newest message.' })
  last_seq!: number;

  @ApiProperty({
    example: 4,
    description: 'The caller\'s read mark (the WebSocket "read" frame); 0 when nothing was read.',
  })
  read_seq!: number;

  static from(count: UnreadCount): UnreadCountResponse {
    return {
      conversation_id: count.conversationId,
      unread: count.unread,
      last_seq: count.lastSeq,
      read_seq: count.readSeq,
    };
  }
}

export class UnreadCountsResponse {
  @ApiProperty({
    type: [UnreadCountResponse],
    description:
      'In the order the ids were asked, each once; ids of conversations that do not exist or that the caller may not see are left out.',
  })
  items!: UnreadCountResponse[];
}
