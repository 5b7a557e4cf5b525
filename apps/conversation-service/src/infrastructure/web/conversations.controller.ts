import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '@ajla/auth';
import {
  DEFAULT_PAGE_LIMIT,
  GetConversationHandler,
} from '../../application/get-conversation/get-conversation.handler';
import { callerOf } from './caller';
import { GetConversationQueryParams, messageWindowOf } from './dto/conversation.requests';
import { ConversationResponse } from './dto/conversation.response';
import { ErrorResponse } from './dto/error.response';

/** A conversation and its history, for its client and staff; anyone else gets 404. */
@ApiTags('conversations')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('api/v1/conversations')
export class ConversationsController {
  constructor(private readonly getConversation: GetConversationHandler) {}

  @Get(':id')
  @ApiOperation({
    summary: 'A conversation with a page of its messages, in ascending seq.',
    description:
      'At most limit messages (1..200, default 50). Forward (default): those after after_seq; ' +
      'has_more says whether more follow; page on with after_seq = the last seq received. ' +
      'Backward: latest=true gives the newest page, before_seq=N the newest messages before N; ' +
      'has_more then says whether older ones exist; page on with before_seq = the first seq ' +
      'received. last_seq is the newest seq of the conversation (resume its socket from there). ' +
      'after_seq, before_seq and latest=true exclude one another (400).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ConversationResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: "Absent, another client's, or not a UUID.",
  })
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Query() query: GetConversationQueryParams,
  ): Promise<ConversationResponse> {
    const page = await this.getConversation.execute({
      caller: callerOf(user),
      conversationId: id,
      window: messageWindowOf(query),
      limit: query.limit ?? DEFAULT_PAGE_LIMIT,
    });
    return ConversationResponse.fromPage(page);
  }
}
