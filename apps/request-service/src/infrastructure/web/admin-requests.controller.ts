import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, Roles, type AuthenticatedUser } from '@ajla/auth';
import { pageOf, pageRequest } from '@ajla/platform';
import { AssignRequestHandler } from '../../application/assign-request/assign-request.handler';
import { ChangeRequestStatusHandler } from '../../application/change-request-status/change-request-status.handler';
import { ListRequestQueueHandler } from '../../application/list-request-queue/list-request-queue.handler';
import { callerOf } from './caller';
import { ErrorResponse } from './dto/error.response';
import {
  AssignRequestBody,
  ChangeRequestStatusBody,
  ListRequestQueueQuery,
} from './dto/request.requests';
import { RequestListResponse, RequestResponse } from './dto/request.response';

/** The concierge staff's side: the queue, assignment and the lifecycle. Clients get 403. */
@ApiTags('admin: requests')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@ApiForbiddenResponse({ type: ErrorResponse, description: 'The caller is not an agent or admin.' })
@Roles('agent', 'admin')
@Controller('api/v1/admin/requests')
export class AdminRequestsController {
  constructor(
    private readonly listQueue: ListRequestQueueHandler,
    private readonly assignRequest: AssignRequestHandler,
    private readonly changeRequestStatus: ChangeRequestStatusHandler,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The queue: every request, oldest first, optionally by status and assignee.',
  })
  @ApiOkResponse({ type: RequestListResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListRequestQueueQuery,
  ): Promise<RequestListResponse> {
    const list = await this.listQueue.execute({
      caller: callerOf(user),
      status: query.status,
      assigneeId: query.assignee_id,
      ...pageRequest(query),
    });
    return pageOf(list, RequestResponse.from);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Assign a request to yourself (no agent_id) or to another agent or admin.',
    description:
      'new → assigned; an assigned or in-progress request changes hands and keeps its status. ' +
      'Assigning it to its current assignee changes nothing. request.assigned is published. ' +
      '409 assignee_not_staff when agent_id is not an agent or admin as far as this service knows ' +
      '(its staff directory follows user events, normally within milliseconds); ' +
      '409 request_closed for a fulfilled or cancelled request.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RequestResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse })
  async assign(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: AssignRequestBody,
  ): Promise<RequestResponse> {
    const request = await this.assignRequest.execute({
      caller: callerOf(user),
      requestId: id,
      agentId: body.agent_id,
    });
    return RequestResponse.from(request);
  }

  @Post(':id/status')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move a request on: assigned → in_progress → fulfilled.',
    description:
      'Any other move answers 409 (code transition_not_allowed, assigned_by_assignment_only or ' +
      'cancel_by_owner_only). request.status_changed is published.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RequestResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse })
  async changeStatus(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: ChangeRequestStatusBody,
  ): Promise<RequestResponse> {
    const request = await this.changeRequestStatus.execute({
      caller: callerOf(user),
      requestId: id,
      status: body.status,
    });
    return RequestResponse.from(request);
  }
}
