import { Body, Controller, Param, Put, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '@ajla/auth';
import type { FastifyReply } from 'fastify';
import { StartConversationHandler } from '../../application/start-conversation/start-conversation.handler';
import { callerOf } from './caller';
import { OpenedConversations } from '../messaging/opened-conversations';
import { StartConversationBody } from './dto/conversation.requests';
import { ConversationSummaryResponse } from './dto/conversation.response';
import { ErrorResponse } from './dto/error.response';

/**
 * Called by request-service right after a submission, with the client's own token, so the
 * conversation exists before the client gets its 201. Not routed by the gateway.
 */
@ApiTags('internal')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('internal/conversations')
export class InternalConversationsController {
  constructor(
    private readonly startConversation: StartConversationHandler,
    private readonly opened: OpenedConversations,
  ) {}

  @Put(':id')
  @ApiOperation({
    summary: "Open a request's conversation (idempotent).",
    description:
      'The caller must be the request client (token sub = user_id) or staff. 201 when created, ' +
      '200 when it existed (the request.submitted event or an earlier call was first), ' +
      '409 when the id belongs to another request.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCreatedResponse({ type: ConversationSummaryResponse })
  @ApiOkResponse({ type: ConversationSummaryResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse })
  async start(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: StartConversationBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConversationSummaryResponse> {
    // Once committed, its request.submitted (here, now or later) need not look again.
    const { conversation, created } = await this.opened.opening(id, () =>
      this.startConversation.execute({
        conversationId: id,
        requestId: body.request_id,
        userId: body.user_id,
        description: body.description,
        createdAt: body.created_at,
        requestedBy: callerOf(user),
      }),
    );
    reply.status(created ? 201 : 200);
    return ConversationSummaryResponse.from(conversation);
  }
}
