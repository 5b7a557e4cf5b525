import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { useMe } from '../auth/use-auth';
import { useDateTime } from '../components/format';
import { useTitle } from '../components/use-title';
import { ErrorMessage } from '../components/error-message';
import { ConversationPanel } from '../conversation/conversation-panel';
import { StatusBadge } from '../requests/status-badge';
import { REQUEST_STATUSES, type RequestStatus } from '../requests/use-requests';
import { RequestPane } from './request-pane';
import { RequireRole } from './require-role';
import { useQueue, useStaffMembers, useUnreadCounts } from './use-staff';
import { Pager } from '../components/pager';
import { StatusFilter } from '../requests/status-filter';

const PAGE_SIZE = 20;

/**
 * The staff console (agents and admins): the queue on one side, the chosen request on the other
 * (`/staff/requests/:id`), filters and page in the address so a reload or a shared link keeps them.
 */
export function StaffConsolePage({
  conversation = liveConversation,
}: { conversation?: ConversationSlot } = {}) {
  const { t } = useTranslation();
  return (
    <RequireRole roles={['agent', 'admin']} forbidden={t('staff.forbidden')}>
      <StaffConsole conversation={conversation} />
    </RequireRole>
  );
}

/**
 * CONVERSATION SLOT: what the request pane shows beside the request, for its conversation. The
 * console shows the live conversation (apps/web/src/conversation); a caller may pass another.
 */
export type ConversationSlot = (conversationId: string, requestId: string) => ReactNode;

const liveConversation: ConversationSlot = (conversationId) => (
  <ConversationPanel conversationId={conversationId} />
);

function StaffConsole({ conversation }: { conversation: ConversationSlot }) {
  const { t } = useTranslation();
  useTitle(t('staff.title'));
  const assigneeId = useId();
  const formatDate = useDateTime();
  const { id: selected } = useParams();
  const [params, setParams] = useSearchParams();
  const me = useMe().data;
  const staff = useStaffMembers();

  const statusParam = params.get('status');
  const status = REQUEST_STATUSES.includes(statusParam as RequestStatus)
    ? (statusParam as RequestStatus)
    : undefined;
  const assigneeParam = params.get('assignee') ?? '';
  const assignee = assigneeParam === 'me' ? me?.id : assigneeParam || undefined;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const queue = useQueue({ status, assigneeId: assignee, page, pageSize: PAGE_SIZE });
  const pages = queue.data ? Math.max(1, Math.ceil(queue.data.total / PAGE_SIZE)) : 1;
  const items = queue.data?.items ?? [];
  const unread = useUnreadCounts(
    items.map((request) => request.conversation_id),
    items.find((request) => request.id === selected)?.conversation_id,
  ).data;

  const go = (next: { status?: string; assignee?: string; page?: number }) => {
    const search = new URLSearchParams();
    const nextStatus = 'status' in next ? next.status : status;
    const nextAssignee = 'assignee' in next ? next.assignee : assigneeParam;
    if (nextStatus) search.set('status', nextStatus);
    if (nextAssignee) search.set('assignee', nextAssignee);
    if (next.page && next.page > 1) search.set('page', String(next.page));
    setParams(search);
  };
  const search = params.toString() ? `?${params.toString()}` : '';
  const staffName = (id: string | null) => {
    if (!id) return t('staff.unassigned');
    if (id === me?.id) return t('staff.you');
    const member = staff.data?.find((user) => user.id === id);
    return member ? (member.full_name ?? member.email) : t('staff.someoneElse');
  };

  return (
    <section className="console">
      <div className="console-queue">
        <h1>{t('staff.title')}</h1>
        <div className="filters">
          <StatusFilter
            label={t('staff.filterStatus')}
            value={status}
            onChange={(next) => go({ status: next, page: 1 })}
          />
          <div className="field inline">
            <label htmlFor={assigneeId}>{t('staff.filterAssignee')}</label>
            <select
              id={assigneeId}
              value={assigneeParam}
              onChange={(event) => go({ assignee: event.target.value || undefined, page: 1 })}
            >
              <option value="">{t('staff.anyone')}</option>
              <option value="me">{t('staff.me')}</option>
              {staff.data
                ?.filter((user) => user.id !== me?.id)
                .map((user) => (
                  <option key={user.id} value={user.id}>
                    {user.full_name ?? user.email}
                  </option>
                ))}
            </select>
          </div>
        </div>
        <p className="hint">{t('staff.oldestFirst')}</p>
        <ErrorMessage error={queue.error} />
        {queue.isPending && <p role="status">{t('app.loading')}</p>}
        {queue.data && queue.data.items.length === 0 && <p>{t('staff.empty')}</p>}
        {queue.data && queue.data.items.length > 0 && (
          <ul className="request-list queue" aria-label={t('staff.queue')}>
            {queue.data.items.map((request) => {
              const count = unread?.get(request.conversation_id) ?? 0;
              return (
                <li
                  key={request.id}
                  className={`request-card${request.id === selected ? ' selected' : ''}`}
                >
                  <div className="request-card-head">
                    <Link
                      to={`/staff/requests/${request.id}${search}`}
                      className="request-type"
                      aria-current={request.id === selected ? 'true' : undefined}
                    >
                      {t(`requests.types.${request.type}`)}
                    </Link>
                    <StatusBadge status={request.status} />
                    {count > 0 && <UnreadBadge count={count} />}
                  </div>
                  <p className="description clamp" dir="auto">
                    {request.description}
                  </p>
                  <div className="request-card-foot">
                    <time dateTime={request.created_at}>{formatDate(request.created_at)}</time>
                    <span>
                      {t('staff.assignedTo')}: {staffName(request.assignee_id)}
                    </span>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        <Pager page={page} pages={pages} onPage={(next) => go({ page: next })} />
      </div>
      <div className="console-detail">
        {selected ? (
          <RequestPane
            key={selected}
            id={selected}
            staffName={staffName}
            conversation={conversation}
          />
        ) : (
          <p className="hint">{t('staff.selectHint')}</p>
        )}
      </div>
    </section>
  );
}

/** The number for the eye; the whole phrase ("3 unread messages") for screen readers. */
function UnreadBadge({ count }: { count: number }) {
  const { t } = useTranslation();
  const label = t('staff.unreadMessages', { count });
  return (
    <span className="unread-count" title={label}>
      <span aria-hidden="true">{count > 99 ? '99+' : count}</span>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
