import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageResponseOf } from '@ajla/platform';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ALL_EVENTS, WEBHOOK_EVENTS } from '../../webhooks/webhook-events';
import {
  WEBHOOK_URL_MAX,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookSubscription,
} from '../../webhooks/webhook-subscriptions';

const EVENT_CHOICES = [ALL_EVENTS, ...WEBHOOK_EVENTS];

/** `POST /api/v1/admin/webhooks`. */
export class CreateWebhookRequest {
  @ApiProperty({ example: 'https://example.com/ajla-hooks', maxLength: WEBHOOK_URL_MAX })
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX)
  url!: string;

  @ApiProperty({
    type: [String],
    enum: EVENT_CHOICES,
    example: ['request.submitted'],
    description: "Routing keys, or '*' for every event.",
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(EVENT_CHOICES.length)
  @IsIn(EVENT_CHOICES, { each: true })
  events!: string[];
}

/** `PATCH /api/v1/admin/webhooks/{id}`: any of the three; what is absent stays as it is. */
export class UpdateWebhookRequest {
  @ApiPropertyOptional({ example: 'https://example.com/ajla-hooks', maxLength: WEBHOOK_URL_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX)
  url?: string;

  @ApiPropertyOptional({
    type: [String],
    enum: EVENT_CHOICES,
    example: ['request.submitted', 'request.status_changed'],
    description: "Routing keys, or '*' for every event; replaces the list.",
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(EVENT_CHOICES.length)
  @IsIn(EVENT_CHOICES, { each: true })
  events?: string[];

  @ApiPropertyOptional({
    description:
      'false: no more deliveries (pending ones stop); true: on again, its failure streak forgotten.',
  })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

/** The longest overlap a rotation may ask for: 7 days. */
export const SECRET_OVERLAP_MAX_MS = 604_800_000;

/** `POST /api/v1/admin/webhooks/{id}/rotate-secret` (the body may be left out). */
export class RotateSecretRequest {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: SECRET_OVERLAP_MAX_MS,
    example: 86_400_000,
    description:
      'How long the old secret keeps signing too, in milliseconds (0: not at all); ' +
      'default WEBHOOK_SECRET_OVERLAP_MS (24 h).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(SECRET_OVERLAP_MAX_MS)
  overlap_ms?: number;
}

export class RotatedSecretResponse {
  @ApiProperty({ example: 'whsec_…', description: 'The new signing secret; shown only here.' })
  secret!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when the old secret signs too (null: no overlap).',
  })
  previous_secret_expires_at!: string | null;
}

export class WebhookResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty({ description: 'false: it gets no deliveries (see disabled_at).' })
  active!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it was turned off (null while on).',
  })
  disabled_at!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why: turned off by an admin, or its deliveries kept failing.',
  })
  disabled_reason!: string | null;

  static from(subscription: WebhookSubscription): WebhookResponse {
    return {
      id: subscription.id,
      url: subscription.url,
      events: subscription.events,
      active: subscription.active,
      created_at: subscription.createdAt.toISOString(),
      disabled_at: subscription.disabledAt?.toISOString() ?? null,
      disabled_reason: subscription.disabledReason,
    };
  }
}

/** The answer to the creation: the only time the secret is shown. */
export class CreatedWebhookResponse extends WebhookResponse {
  @ApiProperty({ example: 'whsec_…', description: 'The signing secret; shown only here.' })
  secret!: string;

  static fromCreated(subscription: WebhookSubscription & { secret: string }) {
    return { ...WebhookResponse.from(subscription), secret: subscription.secret };
  }
}

export class WebhookListResponse extends PageResponseOf(WebhookResponse) {}

export class WebhookAttemptResponse implements WebhookAttempt {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null: no HTTP answer.' })
  status_code!: number | null;
  @ApiProperty() latency_ms!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The answer body, at most 1 KiB.' })
  response!: string | null;
}

export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid', description: 'The same on every attempt (X-Ajla-Delivery).' })
  id!: string;
  @ApiProperty({ format: 'uuid' }) event_id!: string;
  @ApiProperty({ example: 'request.submitted' }) event_type!: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status!: string;
  @ApiProperty({ type: [WebhookAttemptResponse] }) attempts!: WebhookAttemptResponse[];
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  next_attempt_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(delivery: WebhookDelivery): WebhookDeliveryResponse {
    return {
      id: delivery.id,
      event_id: delivery.eventId,
      event_type: delivery.eventType,
      status: delivery.status,
      attempts: delivery.attempts,
      next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
      created_at: delivery.createdAt.toISOString(),
    };
  }
}

export class WebhookDeliveryListResponse extends PageResponseOf(WebhookDeliveryResponse) {}
