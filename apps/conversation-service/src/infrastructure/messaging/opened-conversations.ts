import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@ajla/contracts';
import type { EventFilter } from '@ajla/messaging';

/** How many openings a replica remembers (the oldest is forgotten first). */
const REMEMBERED = 10_000;

/**
 * The conversations this replica opened through request-service's call (`PUT
 * /internal/conversations/{id}`), committed, whose `request.submitted` has not come yet. That event
 * would only find the conversation there: it is acknowledged without a transaction when it names
 * the same conversation, request and client (`EventFilter`). An event that reaches another
 * replica, or one whose opening was forgotten, is handled as always: it changes nothing.
 */
@Injectable()
export class OpenedConversations implements EventFilter {
  private readonly opened = new Map<string, { requestId: string; userId: string }>();

  /** After the opening's transaction committed. */
  remember(conversationId: string, requestId: string, userId: string): void {
    this.opened.delete(conversationId);
    this.opened.set(conversationId, { requestId, userId });
    if (this.opened.size > REMEMBERED) {
      const oldest = this.opened.keys().next().value;
      if (oldest !== undefined) this.opened.delete(oldest);
    }
  }

  handles(event: EventEnvelope): boolean {
    if (event.type !== 'request.submitted') return true;
    const data = (event as EventEnvelope<'request.submitted'>).data;
    const opening = this.opened.get(data.conversation_id);
    if (opening === undefined) return true;
    this.opened.delete(data.conversation_id);
    return opening.requestId !== data.request_id || opening.userId !== data.user_id;
  }
}
