import type { ClientMessageId } from '../ids';
import type { Message, MessageDraft } from './message.aggregate';

/**
 * The messages of every conversation, in the order they were stored: the one way a chat message
 * is appended.
 */
export interface MessageLog {
  /**
   * Stores the draft at its conversation's next seq (taken from the conversation's counter in the
   * same transaction, so seqs have no gaps and writers of one conversation go one after the
   * other), with its `message.created` event, atomically on its own. Undefined when the
   * conversation does not exist. Throws `ClientIdTaken` when the conversation holds a message with
   * the draft's client id already.
   */
  append(draft: MessageDraft): Promise<Message | undefined>;
}

export const MESSAGE_LOG = Symbol('MessageLog');

/** A message with this client id exists in the conversation already (a resend). */
export class ClientIdTaken extends Error {
  constructor(readonly clientId: ClientMessageId) {
    super(`a message with client id ${clientId} exists already`);
    this.name = 'ClientIdTaken';
  }
}
