import { AggregateRoot } from '@ajla/shared-kernel';
import type { ClientMessageId, ConversationId, MessageId, RequestId, UserId } from '../ids';
import { MessageCreated } from './message-created.domain-event';
import type { SenderType } from './participant';

export interface MessageProps {
  conversationId: ConversationId;
  /** Its place in the conversation: 1, 2, 3, ... with no gaps. */
  seq: number;
  senderId: UserId | null;
  senderType: SenderType;
  content: string;
  clientId: ClientMessageId | null;
  createdAt: Date;
}

/**
 * A message about to be stored: everything but its `seq`, which the conversation's counter gives
 * in the transaction that stores it (see `MessageLog.append`).
 */
export interface MessageDraft {
  id: MessageId;
  conversationId: ConversationId;
  requestId: RequestId;
  /** The conversation's client (carried by `message.created`, so consumers know whom to tell). */
  conversationUserId: UserId;
  senderId: UserId | null;
  senderType: SenderType;
  content: string;
  clientId: ClientMessageId | null;
  createdAt: Date;
}

/** One message of a conversation. */
export class Message extends AggregateRoot<MessageId, MessageProps> {
  private constructor(id: MessageId, props: MessageProps) {
    super(id, props);
  }

  /** The draft, stored at `seq`. Records `MessageCreated`. */
  static create(draft: MessageDraft, seq: number): Message {
    if (!Number.isInteger(seq) || seq < 1) throw new Error(`invalid message seq ${seq}`);
    const message = new Message(draft.id, {
      conversationId: draft.conversationId,
      seq,
      senderId: draft.senderId,
      senderType: draft.senderType,
      content: draft.content,
      clientId: draft.clientId,
      createdAt: draft.createdAt,
    });
    const { id, ...stored } = draft;
    message.record(new MessageCreated(id, { ...stored, seq }));
    return message;
  }

  /** A stored message; records nothing. */
  static restore(id: MessageId, props: MessageProps): Message {
    return new Message(id, { ...props });
  }

  get conversationId(): ConversationId {
    return this.props.conversationId;
  }
  get seq(): number {
    return this.props.seq;
  }
  get senderId(): UserId | null {
    return this.props.senderId;
  }
  get senderType(): SenderType {
    return this.props.senderType;
  }
  get content(): string {
    return this.props.content;
  }
  get clientId(): ClientMessageId | null {
    return this.props.clientId;
  }
  get createdAt(): Date {
    return this.props.createdAt;
  }
}
