import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '@ajla/auth';
import { pageOf, pageRequest } from '@ajla/platform';
import { ListNotificationsHandler } from '../../application/list-notifications/list-notifications.handler';
import { MarkAllReadHandler } from '../../application/mark-all-read/mark-all-read.handler';
import { MarkReadHandler } from '../../application/mark-read/mark-read.handler';
import { callerOf, refuseBodyFields } from './caller';
import { ErrorResponse } from './dto/error.response';
import { ListNotificationsQuery } from './dto/notification.requests';
import { NotificationListResponse, NotificationResponse } from './dto/notification.response';

/**
 * The caller's own notifications, whatever their role. Someone else's answers 404, never 403: ids
 * cannot be probed.
 */
@ApiTags('notifications')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('api/v1/notifications')
export class NotificationsController {
  constructor(
    private readonly listNotifications: ListNotificationsHandler,
    private readonly markRead: MarkReadHandler,
    private readonly markAllRead: MarkAllReadHandler,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's notifications, newest first." })
  @ApiOkResponse({ type: NotificationListResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListNotificationsQuery,
  ): Promise<NotificationListResponse> {
    const list = await this.listNotifications.execute({
      caller: callerOf(user),
      unreadOnly: query.unread === 'true',
      ...pageRequest(query),
    });
    return pageOf(list, NotificationResponse.from);
  }

  // Declared before ":id/read" so that "read-all" is never taken for an id.
  @Post('read-all')
  @HttpCode(204)
  @ApiOperation({
    summary: "Mark every one of the caller's notifications read.",
    description: 'Takes no body.',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorResponse })
  async readAll(@CurrentUser() user: AuthenticatedUser, @Body() body: unknown): Promise<void> {
    refuseBodyFields(body);
    await this.markAllRead.execute({ caller: callerOf(user) });
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Mark one of your notifications read.',
    description: 'Takes no body. Idempotent: read again, it keeps the time it was first read.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NotificationResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: "Absent, someone else's, or not a UUID.",
  })
  async read(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<NotificationResponse> {
    refuseBodyFields(body);
    return NotificationResponse.from(
      await this.markRead.execute({ caller: callerOf(user), notificationId: id }),
    );
  }
}
