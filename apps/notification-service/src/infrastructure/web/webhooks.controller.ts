import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, Roles, type AuthenticatedUser } from '@ajla/auth';
import { pageOf, PageQueryDto, pageRequest } from '@ajla/platform';
import { WebhookSubscriptions } from '../webhooks/webhook-subscriptions';
import { ErrorResponse } from './dto/error.response';
import {
  CreatedWebhookResponse,
  CreateWebhookRequest,
  WebhookDeliveryListResponse,
  WebhookDeliveryResponse,
  WebhookListResponse,
  WebhookResponse,
} from './dto/webhook.dto';

/** Webhooks: admins only (agents and clients get 403). */
@ApiTags('admin: webhooks')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@ApiForbiddenResponse({ type: ErrorResponse, description: 'The caller is not an admin.' })
@Roles('admin')
@Controller('api/v1/admin/webhooks')
export class WebhooksController {
  constructor(private readonly subscriptions: WebhookSubscriptions) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Subscribe a URL to events.',
    description: 'The answer holds the signing secret, shown this once.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateWebhookRequest,
  ): Promise<CreatedWebhookResponse> {
    return CreatedWebhookResponse.fromCreated(
      await this.subscriptions.create({
        url: body.url,
        events: body.events,
        createdBy: user.id.toLowerCase(),
      }),
    );
  }

  @Get()
  @ApiOperation({ summary: 'The webhooks, newest first, without their secrets.' })
  @ApiOkResponse({ type: WebhookListResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  async list(@Query() query: PageQueryDto): Promise<WebhookListResponse> {
    return pageOf(await this.subscriptions.list(pageRequest(query)), WebhookResponse.from);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook: nothing more is sent to it.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Absent, or not a UUID.' })
  async delete(@Param('id') id: string): Promise<void> {
    await this.subscriptions.delete(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "A webhook's deliveries, newest first, with their attempts." })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookDeliveryListResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Absent, or not a UUID.' })
  async deliveries(
    @Param('id') id: string,
    @Query() query: PageQueryDto,
  ): Promise<WebhookDeliveryListResponse> {
    return pageOf(
      await this.subscriptions.deliveries(id, pageRequest(query)),
      WebhookDeliveryResponse.from,
    );
  }
}
