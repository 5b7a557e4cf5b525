import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
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
import { currentRequestContext, pageOf, PageQueryDto, pageRequest } from '@ajla/platform';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import { WebhookSubscriptions } from '../webhooks/webhook-subscriptions';
import { refuseBodyFields } from './caller';
import { ErrorResponse } from './dto/error.response';
import {
  CreatedWebhookResponse,
  CreateWebhookRequest,
  RotatedSecretResponse,
  RotateSecretRequest,
  UpdateWebhookRequest,
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
  constructor(
    private readonly subscriptions: WebhookSubscriptions,
    private readonly config: NotificationServiceConfig,
  ) {}

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

  @Patch(':id')
  @ApiOperation({
    summary: "Change a webhook's URL, events or whether it is on.",
    description:
      'Fields left out stay as they are. Turning it off stops its pending deliveries (they can be ' +
      'redelivered later); turning it on again forgets its failure streak.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Absent, or not a UUID.' })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateWebhookRequest,
  ): Promise<WebhookResponse> {
    return WebhookResponse.from(
      await this.subscriptions.update(id, {
        url: body.url ?? undefined,
        events: body.events ?? undefined,
        active: body.active ?? undefined,
      }),
    );
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Give a webhook a new signing secret, shown this once.',
    description:
      'For the overlap (overlap_ms, default WEBHOOK_SECRET_OVERLAP_MS: 24 h) every request is ' +
      'signed with the new and the old secret, so receivers can switch without missing one.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RotatedSecretResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Absent, or not a UUID.' })
  async rotateSecret(
    @Param('id') id: string,
    @Body() body: RotateSecretRequest,
  ): Promise<RotatedSecretResponse> {
    const rotated = await this.subscriptions.rotateSecret(
      id,
      body.overlap_ms ?? this.config.WEBHOOK_SECRET_OVERLAP_MS,
    );
    return {
      secret: rotated.secret,
      previous_secret_expires_at: rotated.previousSecretExpiresAt?.toISOString() ?? null,
    };
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send the webhook a webhook.test event.',
    description:
      'Takes no body. Delivered like any event (signed, logged, retried); the answer is the ' +
      'delivery, pending. 409 while the webhook is off.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Absent, or not a UUID.' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The webhook is off.' })
  async test(@Param('id') id: string, @Body() body: unknown): Promise<WebhookDeliveryResponse> {
    refuseBodyFields(body);
    return WebhookDeliveryResponse.from(
      await this.subscriptions.sendTest(id, currentRequestContext()?.correlationId ?? null),
    );
  }

  @Post(':id/deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a finished delivery again now.',
    description:
      'Takes no body. Same delivery id (receivers dedupe on it), a fresh schedule of retries; ' +
      'earlier attempts stay listed. 409 while it is pending or the webhook is off.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'delivery_id', format: 'uuid' })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: 'No such webhook, or no such delivery of it (or not a UUID).',
  })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'The delivery is still pending, or the webhook is off.',
  })
  async redeliver(
    @Param('id') id: string,
    @Param('delivery_id') deliveryId: string,
    @Body() body: unknown,
  ): Promise<WebhookDeliveryResponse> {
    refuseBodyFields(body);
    return WebhookDeliveryResponse.from(await this.subscriptions.redeliver(id, deliveryId));
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
