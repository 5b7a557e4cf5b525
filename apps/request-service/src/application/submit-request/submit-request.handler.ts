import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import { Request } from '../../domain/request/request.aggregate';
import { RequestDescription } from '../../domain/request/request-description.value-object';
import {
  REQUEST_REPOSITORY,
  type RequestRepository,
} from '../../domain/request/request.repository.port';
import { RequestType } from '../../domain/request/request-type.value-object';
import { CLOCK } from '../ports/clock.port';
import { CONVERSATION_OPENER, type ConversationOpener } from '../ports/conversation-opener.port';
import { mustBeClient } from '../request-access';
import type { SubmitRequestCommand } from './submit-request.command';

/**
 * A client asks the concierge for something; `request.submitted` goes out with the request. Once
 * both are committed, the request's conversation is opened at once (so the client can use it as
 * soon as it has the answer); if that fails, the event opens it later.
 */
@Injectable()
export class SubmitRequestHandler {
  constructor(
    @Inject(REQUEST_REPOSITORY) private readonly requests: RequestRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONVERSATION_OPENER) private readonly conversations: ConversationOpener,
  ) {}

  async execute(command: SubmitRequestCommand): Promise<Request> {
    mustBeClient(command.caller);
    const request = Request.create(
      {
        userId: command.caller.id,
        type: RequestType.create(command.type),
        description: RequestDescription.create(command.description),
      },
      this.clock.now(),
    );
    await this.requests.add(request);
    await this.conversations.open(
      {
        conversationId: request.conversationId,
        requestId: request.id,
        userId: request.userId,
        description: request.description.value,
        createdAt: request.createdAt,
      },
      command.credentials,
    );
    return request;
  }
}
