import { ApiProperty } from '@nestjs/swagger';
import { PageResponseOf } from '@ajla/platform';
import type { Notification } from '../../../domain/notification/notification';

/** The notification of API.md, built field by field. */
export class NotificationResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    description: 'The routing key of the event it tells of.',
    enum: ['request.submitted', 'request.assigned', 'request.status_changed', 'message.created'],
    example: 'message.created',
  })
  type!: string;

  @ApiProperty({ example: 'New reply from your concierge' })
  title!: string;

  @ApiProperty({ example: 'Your table for four is booked for Friday at 8 pm.' })
  body!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    description:
      'The ids to open what it is about: request_id and conversation_id always; message_id and seq of a reply; status of a status change.',
    example: {
      request_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a03',
      conversation_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a02',
      message_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01',
      seq: 2,
    },
  })
  data!: Record<string, string | number>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  read_at!: string | null;

  @ApiProperty({ format: 'date-time', example: '2025-01-01T12:00:00.000Z' })
  created_at!: string;

  static from(notification: Notification): NotificationResponse {
    return {
      id: notification.id,
      type: notification.type,
      title: notification.title,
      body: notification.body,
      data: { ...notification.data },
      read_at: notification.readAt === null ? null : notification.readAt.toISOString(),
      created_at: notification.createdAt.toISOString(),
    };
  }
}

export class NotificationListResponse extends PageResponseOf(NotificationResponse) {}
