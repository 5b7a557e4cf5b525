import { AggregateRoot, newId, type MessageContent } from '@ajla/shared-kernel';
import type { ClientMessageId, ConversationId, RequestId, UserId } from '../ids';
import { ConversationStarted } from './conversation-started.domain-event';
import { Message } from './message.aggregate';
import type { MessageDraft } from './message.aggregate';
import type { OpeningText } from './opening-text.value-object';
import { isStaffRole, senderTypeOf, type Participant } from './participant';

export interface ConversationProps {
  requestId: RequestId;
  /** The client whose request it is. */
  userId: UserId;
  /** The seq of its newest message (0 before the first). */
  lastSeq: number;
  createdAt: Date;
}

export interface NewConversation {
  /** The id request-service chose when the request was submitted. */
  id: ConversationId;
  requestId: RequestId;
  userId: UserId;
  /** The request's description: the opening message. */
  description: OpeningText;
  /** The request's submission time: the conversation and its opening message date from it. */
  createdAt: Date;
}

/** The conversation of one concierge request, between its client and the concierge staff. */
export class Conversation extends AggregateRoot<ConversationId, ConversationProps> {
  private constructor(id: ConversationId, props: ConversationProps) {
    super(id, props);
  }

  /**
   * Opens the conversation of a request, with the request's description as its first message
   * (seq 1, from the client). Records `ConversationStarted`; the opening message records
   * `MessageCreated`. Both are built only from the request's data, so opening it twice (the
   * synchronous call and the event) gives the same conversation.
   */
  static start(input: NewConversation): { conversation: Conversation; opening: Message } {
    const conversation = new Conversation(input.id, {
      requestId: input.requestId,
      userId: input.userId,
      lastSeq: 1,
      createdAt: input.createdAt,
    });
    conversation.record(
      new ConversationStarted(input.id, {
        requestId: input.requestId,
        userId: input.userId,
        createdAt: input.createdAt,
      }),
    );
    const opening = Message.create(
      {
        id: newId<'MessageId'>(),
        conversationId: input.id,
        requestId: input.requestId,
        conversationUserId: input.userId,
        senderId: input.userId,
        senderType: 'user',
        content: input.description.value,
        clientId: null,
        createdAt: input.createdAt,
      },
      1,
    );
    return { conversation, opening };
  }

  static restore(id: ConversationId, props: ConversationProps): Conversation {
    return new Conversation(id, { ...props });
  }

  get requestId(): RequestId {
    return this.props.requestId;
  }
  get userId(): UserId {
    return this.props.userId;
  }
  get lastSeq(): number {
    return this.props.lastSeq;
  }
  get createdAt(): Date {
    return this.props.createdAt;
  }

  /** Its client and every staff member take part; for anyone else it does not exist. */
  isVisibleTo(viewer: Participant): boolean {
    return isStaffRole(viewer.role) || viewer.id === this.props.userId;
  }

  /**
   * A message of `sender` (the client or staff, see `isVisibleTo`), to be stored at the next seq.
   * The client speaks as `user`, agents and admins as `admin`.
   */
  compose(
    sender: Participant,
    content: MessageContent,
    clientId: ClientMessageId | null,
    now: Date,
  ): MessageDraft {
    return {
      id: newId<'MessageId'>(),
      conversationId: this.id,
      requestId: this.props.requestId,
      conversationUserId: this.props.userId,
      senderId: sender.id,
      senderType: senderTypeOf(sender),
      content: content.value,
      clientId,
      createdAt: now,
    };
  }

  /** Whether `seq` names a message of this conversation (as far as this copy knows). */
  hasSeq(seq: number): boolean {
    return Number.isInteger(seq) && seq >= 1 && seq <= this.props.lastSeq;
  }
}
