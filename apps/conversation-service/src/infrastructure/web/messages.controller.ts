import { Body, Controller, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '@ajla/auth';
import type { FastifyReply } from 'fastify';
import { PostMessageHandler } from '../../application/post-message/post-message.handler';
import { callerOf } from './caller';
import { PostMessageBody } from './dto/conversation.requests';
import { ErrorResponse } from './dto/error.response';
import { MessageResponse } from './dto/message.response';

/** The HTTP fallback of the chat: the same effects as a `message.send` frame. */
@ApiTags('conversations')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('api/v1/messages')
export class MessagesController {
  constructor(private readonly postMessage: PostMessageHandler) {}

  @Post()
  @ApiOperation({
    summary: 'Send a message to a conversation (its client or staff).',
    description:
      'Stored at the next seq, sent to every open WebSocket of the conversation, message.created published. ' +
      'The same client_id again answers the message first created, with 200.',
  })
  @ApiCreatedResponse({ type: MessageResponse })
  @ApiOkResponse({ type: MessageResponse, description: 'A resend: the message first created.' })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async post(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: PostMessageBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponse> {
    const { message, created } = await this.postMessage.execute({
      caller: callerOf(user),
      conversationId: body.conversation_id,
      content: body.content,
      clientId: body.client_id,
    });
    reply.status(created ? 201 : 200);
    return MessageResponse.from(message);
  }
}
