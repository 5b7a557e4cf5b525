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
import { GetConversationQueryParams } from './dto/conversation.requests';
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
    summary: 'A conversation with its messages after after_seq, in ascending seq.',
    description:
      'At most limit messages (1..200, default 50); has_more says whether more follow. ' +
      'Page on with after_seq = the seq of the last message received.',
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
      afterSeq: query.after_seq ?? 0,
      limit: query.limit ?? DEFAULT_PAGE_LIMIT,
    });
    return ConversationResponse.fromPage(page);
  }
}
