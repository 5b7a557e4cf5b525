import type { Caller } from '../ports/caller';

export interface SubmitRequestCommand {
  caller: Caller;
  type: string;
  description: string;
  /**
   * The caller's `Authorization` header, forwarded to conversation-service to open the request's
   * conversation on the caller's behalf. Opaque here.
   */
  credentials?: string;
}
