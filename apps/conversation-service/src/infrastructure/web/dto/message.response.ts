import { ApiProperty } from '@nestjs/swagger';
import type { Message } from '../../../domain/conversation/message.aggregate';
import { SENDER_TYPES, type SenderType } from '../../../domain/conversation/participant';

/** The message of API.md, built field by field (HTTP answers and WebSocket frames alike). */
export class MessageResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  conversation_id!: string;

  @ApiProperty({ example: 2, description: 'Its place in the conversation: 1, 2, 3, ... no gaps.' })
  seq!: number;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  sender_id!: string | null;

  @ApiProperty({ enum: SENDER_TYPES, example: 'admin' })
  sender_type!: SenderType;

  @ApiProperty({ example: 'Your table is booked for 8 pm.' })
  content!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  client_id!: string | null;

  @ApiProperty({ format: 'date-time', example: '2025-01-01T12:00:00.000Z' })
  created_at!: string;

  static from(message: Message): MessageResponse {
    return {
      id: message.id,
      conversation_id: message.conversationId,
      seq: message.seq,
      sender_id: message.senderId,
      sender_type: message.senderType,
      content: message.content,
      client_id: message.clientId,
      created_at: message.createdAt.toISOString(),
    };
  }
}
