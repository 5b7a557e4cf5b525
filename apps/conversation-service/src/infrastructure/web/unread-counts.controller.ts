import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '@ajla/auth';
import { CountUnreadHandler } from '../../application/count-unread/count-unread.handler';
import { callerOf } from './caller';
import { ErrorResponse } from './dto/error.response';
import {
  UnreadCountResponse,
  UnreadCountsQueryParams,
  UnreadCountsResponse,
} from './dto/unread-counts.dto';

/**
 * The caller's unread counts over many conversations at once (the staff queue's badges). A
 * controller of its own beside `ConversationsController`: the static path `unread` wins over
 * `{id}` in the router whichever is registered first.
 */
@ApiTags('conversations')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('api/v1/conversations')
export class UnreadCountsController {
  constructor(private readonly countUnread: CountUnreadHandler) {}

  @Get('unread')
  @ApiOperation({
    summary: 'How many messages the caller has not read, in each of up to 100 conversations.',
    description:
      "Unread: messages above the caller's read mark written by someone else. Staff may ask about any " +
      'conversation, a client about their own; the others (and unknown ids) are left out of the answer, never an error.',
  })
  @ApiOkResponse({ type: UnreadCountsResponse })
  @ApiBadRequestResponse({
    type: ErrorResponse,
    description: 'ids missing, empty, not UUIDs, or more than 100.',
  })
  async unread(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: UnreadCountsQueryParams,
  ): Promise<UnreadCountsResponse> {
    const counts = await this.countUnread.execute({ caller: callerOf(user), ids: query.ids });
    return { items: counts.map((count) => UnreadCountResponse.from(count)) };
  }
}
