import type { Caller } from '../ports/caller';

export interface StartConversationCommand {
  conversationId: string;
  requestId: string;
  /** The request's client. */
  userId: string;
  description: string;
  /** The request's submission time (ISO-8601 or a Date). */
  createdAt: string | Date;
  /**
   * Who asks, when it comes over HTTP (request-service forwards its caller's token): the request's
   * client or staff only. Absent for the `request.submitted` event, which is trusted.
   */
  requestedBy?: Caller;
}
