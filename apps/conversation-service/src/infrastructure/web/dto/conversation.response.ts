import { ApiProperty } from '@nestjs/swagger';
import type { ConversationPage } from '../../../application/get-conversation/get-conversation.handler';
import type { Conversation } from '../../../domain/conversation/conversation.aggregate';
import { MessageResponse } from './message.response';

/** A conversation without its messages (`PUT /internal/conversations/{id}`). */
export class ConversationSummaryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  request_id!: string;

  @ApiProperty({ format: 'uuid', description: "The request's client." })
  user_id!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  static from(conversation: Conversation): ConversationSummaryResponse {
    return {
      id: conversation.id,
      request_id: conversation.requestId,
      user_id: conversation.userId,
      created_at: conversation.createdAt.toISOString(),
    };
  }
}

/** The conversation of API.md: a page of its messages in ascending seq, and whether more follow. */
export class ConversationResponse extends ConversationSummaryResponse {
  @ApiProperty({ type: [MessageResponse] })
  messages!: MessageResponse[];

  @ApiProperty({
    description:
      'Paging forward (after_seq): more messages follow the last one of this page. Paging ' +
      'backward (before_seq, latest): older messages precede the first one of this page.',
  })
  has_more!: boolean;

  @ApiProperty({
    minimum: 0,
    description: "The seq of the conversation's newest message when read (0: none).",
  })
  last_seq!: number;

  static fromPage(page: ConversationPage): ConversationResponse {
    return {
      ...ConversationSummaryResponse.from(page.conversation),
      messages: page.messages.map((message) => MessageResponse.from(message)),
      has_more: page.hasMore,
      last_seq: page.lastSeq,
    };
  }
}
