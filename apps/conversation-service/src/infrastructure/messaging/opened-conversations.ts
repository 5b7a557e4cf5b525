import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@ajla/contracts';
import type { EventFilter } from '@ajla/messaging';

/** How many openings a replica remembers (the oldest is forgotten first). */
const REMEMBERED = 10_000;

/** What an opening answers with: the conversation it made (or found). */
interface Opened {
  conversation: { id: string; requestId: string; userId: string };
}

/**
 * The conversations this replica opened through request-service's call (`PUT
 * /internal/conversations/{id}`), committed, whose `request.submitted` has not come yet. That event
 * would only find the conversation there: it is acknowledged without a transaction when it names
 * the same conversation, request and client (`EventFilter`).
 *
 * request-service's relay publishes the event as soon as the request is committed, while its call
 * is still on its way here, so the event often arrives while the call's opening is being written.
 * It then waits for that opening (`opening`) instead of racing it in a transaction of its own that
 * would only wait for the same row and find it. An event that reaches another replica, or one whose
 * opening was forgotten or failed, is handled as always: it changes nothing, or opens it.
 */
@Injectable()
export class OpenedConversations implements EventFilter {
  private readonly opened = new Map<string, { requestId: string; userId: string }>();
  /** Openings under way through the call, by conversation id: settle after `remember`. */
  private readonly underWay = new Map<string, Promise<void>>();

  /**
   * Runs the call's opening of `conversationId`; the conversation's event, if it comes meanwhile,
   * waits for it. Remembered once `open` resolves (its transaction committed).
   */
  opening<T extends Opened>(conversationId: string, open: () => Promise<T>): Promise<T> {
    const result = open();
    const settled = result.then(
      ({ conversation }) =>
        this.remember(conversation.id, conversation.requestId, conversation.userId),
      () => undefined,
    );
    if (!this.underWay.has(conversationId)) {
      this.underWay.set(conversationId, settled);
      void settled.finally(() => {
        if (this.underWay.get(conversationId) === settled) this.underWay.delete(conversationId);
      });
    }
    return result;
  }

  /** After the opening's transaction committed. */
  remember(conversationId: string, requestId: string, userId: string): void {
    this.opened.delete(conversationId);
    this.opened.set(conversationId, { requestId, userId });
    if (this.opened.size > REMEMBERED) {
      const oldest = this.opened.keys().next().value;
      if (oldest !== undefined) this.opened.delete(oldest);
    }
  }

  handles(event: EventEnvelope): boolean | Promise<boolean> {
    if (event.type !== 'request.submitted') return true;
    const data = (event as EventEnvelope<'request.submitted'>).data;
    const underWay = this.underWay.get(data.conversation_id);
    if (underWay !== undefined) return underWay.then(() => this.handlesSubmitted(data));
    return this.handlesSubmitted(data);
  }

  private handlesSubmitted(data: EventEnvelope<'request.submitted'>['data']): boolean {
    const opening = this.opened.get(data.conversation_id);
    if (opening === undefined) return true;
    this.opened.delete(data.conversation_id);
    return opening.requestId !== data.request_id || opening.userId !== data.user_id;
  }
}
