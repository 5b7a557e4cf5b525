import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
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
import { CancelRequestHandler } from '../../application/cancel-request/cancel-request.handler';
import { GetRequestHandler } from '../../application/get-request/get-request.handler';
import { ListMyRequestsHandler } from '../../application/list-my-requests/list-my-requests.handler';
import { SubmitRequestHandler } from '../../application/submit-request/submit-request.handler';
import { callerOf, refuseBodyFields } from './caller';
import { ErrorResponse } from './dto/error.response';
import { ListMyRequestsQuery, SubmitRequestBody } from './dto/request.requests';
import { RequestListResponse, RequestResponse } from './dto/request.response';

/** A client's requests. Another client's request answers 404, never 403: ids cannot be probed. */
@ApiTags('requests')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('api/v1/requests')
export class RequestsController {
  constructor(
    private readonly submitRequest: SubmitRequestHandler,
    private readonly listMyRequests: ListMyRequestsHandler,
    private readonly getRequest: GetRequestHandler,
    private readonly cancelRequest: CancelRequestHandler,
  ) {}

  @Post()
  @Roles('user')
  @ApiOperation({
    summary: 'Submit a concierge request (clients only).',
    description:
      'The request starts as "new" with its conversation_id already chosen, and that conversation ' +
      'is opened in conversation-service before the answer (or, if that fails, from ' +
      'request.submitted); request.submitted is published.',
  })
  @ApiCreatedResponse({ type: RequestResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Staff do not submit requests.' })
  async submit(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: SubmitRequestBody,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<RequestResponse> {
    const request = await this.submitRequest.execute({
      caller: callerOf(user),
      type: body.type,
      description: body.description,
      credentials: authorization,
    });
    return RequestResponse.from(request);
  }

  @Get()
  @Roles('user')
  @ApiOperation({ summary: "The caller's own requests, newest first." })
  @ApiOkResponse({ type: RequestListResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Staff use the queue instead.' })
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListMyRequestsQuery,
  ): Promise<RequestListResponse> {
    const list = await this.listMyRequests.execute({
      caller: callerOf(user),
      status: query.status,
      ...pageRequest(query),
    });
    return pageOf(list, RequestResponse.from);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One request: its client and staff see it.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RequestResponse })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: "Absent, another client's, or not a UUID.",
  })
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
  ): Promise<RequestResponse> {
    return RequestResponse.from(
      await this.getRequest.execute({ caller: callerOf(user), requestId: id }),
    );
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('user')
  @ApiOperation({
    summary: 'Cancel one of your requests (not once it is fulfilled or cancelled).',
    description: 'Takes no body. request.status_changed is published.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RequestResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Staff cannot cancel a request.' })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Already fulfilled or cancelled.' })
  async cancel(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<RequestResponse> {
    refuseBodyFields(body);
    const request = await this.cancelRequest.execute({ caller: callerOf(user), requestId: id });
    return RequestResponse.from(request);
  }
}
