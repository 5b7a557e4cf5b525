import { isId } from '@ajla/shared-kernel';
import { Request } from '../../domain/request/request.aggregate';
import { RequestDescription } from '../../domain/request/request-description.value-object';
import type { ConversationId, RequestId } from '../../domain/request/request-id';
import { RequestStatus } from '../../domain/request/request-status.value-object';
import { RequestType } from '../../domain/request/request-type.value-object';
import type { UserId } from '../../domain/user-id';
import { RequestOrmEntity } from './request.orm-entity';

/** A stored row that the domain cannot accept: a bug or a hand edit, never a client's fault. */
export class CorruptRowError extends Error {
  constructor(table: string, id: string, cause: unknown) {
    super(
      `corrupt row in ${table} (id ${id}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'CorruptRowError';
  }
}

function uuidOf<T extends string>(value: string, column: string): T {
  if (!isId(value)) throw new Error(`${column} is not a UUID`);
  return value as T;
}

export const RequestMapper = {
  toDomain(row: RequestOrmEntity): Request {
    try {
      return Request.restore(uuidOf<RequestId>(row.id, 'id'), {
        userId: uuidOf<UserId>(row.userId, 'user_id'),
        type: RequestType.create(row.type),
        // The stored text is already trimmed: this only proves it still is a valid description.
        description: RequestDescription.create(row.description),
        status: RequestStatus.create(row.status),
        assigneeId: row.assigneeId === null ? null : uuidOf<UserId>(row.assigneeId, 'assignee_id'),
        conversationId: uuidOf<ConversationId>(row.conversationId, 'conversation_id'),
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
      });
    } catch (error) {
      throw new CorruptRowError('requests', row.id, error);
    }
  },

  toPersistence(request: Request): RequestOrmEntity {
    const row = new RequestOrmEntity();
    row.id = request.id;
    row.userId = request.userId;
    row.type = request.type.name;
    row.description = request.description.value;
    row.status = request.status.name;
    row.assigneeId = request.assigneeId;
    row.conversationId = request.conversationId;
    row.createdAt = request.createdAt;
    row.updatedAt = request.updatedAt;
    return row;
  },
};
