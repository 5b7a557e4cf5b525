// Tiny in-memory stand-ins for the ports, for domain and handler specs.
import { newId, type Clock, type DomainEvent } from '@ajla/shared-kernel';
import { pageSlice } from '@ajla/testing';
import type { Caller } from '../src/application/ports/caller';
import type {
  ConversationOpener,
  ConversationOpening,
} from '../src/application/ports/conversation-opener.port';
import { Request } from '../src/domain/request/request.aggregate';
import { RequestDescription } from '../src/domain/request/request-description.value-object';
import type { RequestId } from '../src/domain/request/request-id';
import type {
  RequestListFilter,
  RequestListing,
  RequestPage,
  RequestRepository,
} from '../src/domain/request/request.repository.port';
import { RequestType } from '../src/domain/request/request-type.value-object';
import { isStaffRole, type AccountRole } from '../src/domain/staff/account-role';
import type { AccountSnapshot, StaffDirectory } from '../src/domain/staff/staff-directory.port';
import type { UserId } from '../src/domain/user-id';

export { FixedClock, immediateUnitOfWork } from '@ajla/testing';

/**
 * Stores copies, like a database would, so a test sees only what was saved; the events of every
 * saved request land in `outbox`, as the unit of work would write them.
 */
export class InMemoryRequests implements RequestRepository, RequestListing {
  private readonly rows = new Map<string, Request>();
  readonly outbox: DomainEvent[] = [];

  async findById(id: RequestId): Promise<Request | undefined> {
    const request = this.rows.get(id);
    return request && copyRequest(request);
  }
  async findByIdForUpdate(id: RequestId): Promise<Request | undefined> {
    return this.findById(id);
  }
  async add(request: Request): Promise<void> {
    if (this.rows.has(request.id)) throw new Error(`request ${request.id} exists`);
    this.rows.set(request.id, copyRequest(request));
    this.outbox.push(...request.pullEvents());
  }
  async update(request: Request): Promise<void> {
    if (!this.rows.has(request.id)) throw new Error(`no request ${request.id}`);
    this.rows.set(request.id, copyRequest(request));
    this.outbox.push(...request.pullEvents());
  }
  async list(filter: RequestListFilter): Promise<RequestPage> {
    const direction = filter.order === 'newest_first' ? -1 : 1;
    const matching = [...this.rows.values()]
      .filter((r) => filter.ownerId === undefined || r.userId === filter.ownerId)
      .filter((r) => filter.status === undefined || r.status.name === filter.status)
      .filter((r) => filter.assigneeId === undefined || r.assigneeId === filter.assigneeId)
      .sort(
        (a, b) =>
          direction * (a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)),
      );
    return pageSlice(matching, filter, copyRequest);
  }
  get count(): number {
    return this.rows.size;
  }
}

function copyRequest(request: Request): Request {
  return Request.restore(request.id, {
    userId: request.userId,
    type: request.type,
    description: request.description,
    status: request.status,
    assigneeId: request.assigneeId,
    conversationId: request.conversationId,
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
  });
}

/** The directory in memory: the accounts it holds (only agents and admins are staff). */
export class InMemoryStaffDirectory implements StaffDirectory {
  readonly entries = new Map<string, AccountSnapshot>();

  async findStaff(userId: UserId): Promise<AccountSnapshot | undefined> {
    const entry = this.entries.get(userId);
    return entry && isStaffRole(entry.role) ? { ...entry } : undefined;
  }
}

export const aUserId = (): UserId => newId<'UserId'>() as UserId;

export function aCaller(role: AccountRole = 'user', id: UserId = aUserId()): Caller {
  return { id, role };
}

/** Object mother: a stored, new request of `owner`. */
export async function aStoredRequest(
  requests: InMemoryRequests,
  clock: Clock,
  owner: UserId,
  overrides: { type?: RequestType; description?: string } = {},
): Promise<Request> {
  const request = Request.create(
    {
      userId: owner,
      type: overrides.type ?? RequestType.dining,
      description: RequestDescription.create(overrides.description ?? 'A table for two'),
    },
    clock.now(),
  );
  request.pullEvents();
  await requests.add(request);
  return request;
}

/** Records the conversations it was asked to open, and with which credentials. */
export class RecordingConversationOpener implements ConversationOpener {
  readonly opened: { opening: ConversationOpening; credentials: string | undefined }[] = [];
  /** Runs inside `open`, e.g. to look at what was stored by then. */
  onOpen?: (opening: ConversationOpening) => Promise<void>;

  async open(opening: ConversationOpening, credentials: string | undefined): Promise<void> {
    await this.onOpen?.(opening);
    this.opened.push({ opening, credentials });
  }
}
