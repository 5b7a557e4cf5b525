import { Inject, Injectable } from '@nestjs/common';
import { isId, ValidationError } from '@ajla/shared-kernel';
import { isStaffRole } from '../../domain/conversation/participant';
import {
  UNREAD_COUNTS,
  type UnreadCount,
  type UnreadCounts,
} from '../../domain/conversation/unread-counts.port';
import type { ConversationId } from '../../domain/ids';
import type { CountUnreadQuery } from './count-unread.query';

/** The most conversations one call may ask about (a page of the staff queue is at most 100). */
export const MAX_UNREAD_IDS = 100;

/**
 * How many messages the caller has not read, for many conversations at once (the staff queue's
 * badges). Conversations the caller may not see are left out, exactly like those that do not
 * exist, so nothing tells them apart.
 */
@Injectable()
export class CountUnreadHandler {
  constructor(@Inject(UNREAD_COUNTS) private readonly counts: UnreadCounts) {}

  async execute(query: CountUnreadQuery): Promise<UnreadCount[]> {
    const ids = parseIds(query.ids);
    const { caller } = query;
    const found = await this.counts.unreadCounts(ids, {
      reader: caller.id,
      clientOnly: isStaffRole(caller.role) ? null : caller.id,
    });
    // In the order asked, whatever order storage answered in.
    const byId = new Map(found.map((count) => [count.conversationId, count]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }
}

/** `a,b,c`: 1..100 UUIDs, lower-cased, duplicates dropped (first place kept). */
function parseIds(raw: string): ConversationId[] {
  const parts = raw.split(',');
  if (parts.length > MAX_UNREAD_IDS) {
    throw new ValidationError(`ids: at most ${MAX_UNREAD_IDS} conversation ids`, 'too_many_ids');
  }
  const ids = new Set<ConversationId>();
  for (const part of parts) {
    if (!isId(part)) {
      throw new ValidationError(
        'ids must be conversation ids (UUIDs) separated by commas',
        'invalid_ids',
      );
    }
    ids.add(part.toLowerCase() as ConversationId);
  }
  return [...ids];
}
