import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth/use-auth';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import { StatusBadge } from '../requests/status-badge';
import { useRequest } from '../requests/use-requests';
import { canAssign, staffMoves } from './lifecycle';
import type { ConversationSlot } from './staff-console-page';
import { useAssign, useChangeStatus, useStaffMembers } from './use-staff';

/** One request in the console: who has it, the moves its status allows, and its conversation. */
export function RequestPane({
  id,
  staffName,
  conversation,
}: {
  id: string;
  staffName: (id: string | null) => string;
  conversation: ConversationSlot;
}) {
  const { t } = useTranslation();
  const formatDate = useDateTime();
  const headingId = useId();
  const agentSelectId = useId();
  const me = useMe().data;
  const request = useRequest(id);
  const staff = useStaffMembers();
  const assign = useAssign();
  const change = useChangeStatus();
  const [agent, setAgent] = useState('');
  const busy = assign.isPending || change.isPending;
  const lastError = change.error ?? assign.error;
  const known = {
    '409': t('staff.conflict'),
    request_closed: t('staff.closedConflict'),
    assignee_not_staff: t('staff.notStaff'),
    '404': t('requests.notFound'),
  };

  if (request.isPending) return <p role="status">{t('app.loading')}</p>;
  if (!request.data) return <ErrorMessage error={request.error} known={known} />;
  const current = request.data;
  const moves = staffMoves(current.status);
  const open = canAssign(current.status);

  return (
    <article className="request-pane" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {t('staff.detail')}: {t(`requests.types.${current.type}`)}
      </h2>
      <dl className="facts">
        <dt>{t('requests.status')}</dt>
        <dd>
          <StatusBadge status={current.status} />
        </dd>
        <dt>{t('staff.assignedTo')}</dt>
        <dd>{staffName(current.assignee_id)}</dd>
        <dt>{t('requests.created')}</dt>
        <dd>
          <time dateTime={current.created_at}>{formatDate(current.created_at)}</time>
        </dd>
        <dt>{t('requests.updated')}</dt>
        <dd>
          <time dateTime={current.updated_at}>{formatDate(current.updated_at)}</time>
        </dd>
      </dl>
      <p className="description" dir="auto">
        {current.description}
      </p>

      <div className="actions" role="group" aria-label={t('requests.status')}>
        {open && current.assignee_id !== me?.id && (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              change.reset();
              assign.mutate({ id: current.id });
            }}
          >
            {t('staff.assignToMe')}
          </button>
        )}
        {moves.map((move) => (
          <button
            key={move.to}
            type="button"
            disabled={busy}
            onClick={() => {
              assign.reset();
              change.mutate({ id: current.id, status: move.to });
            }}
          >
            {t(`staff.moves.${move.label}`)}
          </button>
        ))}
      </div>
      {current.status === 'new' && <p className="hint">{t('staff.waitingAssignment')}</p>}
      {!open && <p className="hint">{t('staff.noMoves')}</p>}

      {open && staff.data && (
        <form
          className="field inline"
          onSubmit={(event) => {
            event.preventDefault();
            if (!agent) return;
            change.reset();
            assign.mutate({ id: current.id, agentId: agent });
          }}
        >
          <label htmlFor={agentSelectId}>{t('staff.assignTo')}</label>
          <select id={agentSelectId} value={agent} onChange={(e) => setAgent(e.target.value)}>
            <option value="">{t('staff.chooseStaff')}</option>
            {staff.data.map((user) => (
              <option key={user.id} value={user.id}>
                {user.full_name ?? user.email} ({t(`admin.roles.${user.role}`)})
              </option>
            ))}
          </select>
          <button type="submit" className="secondary" disabled={busy || !agent}>
            {t('staff.assign')}
          </button>
        </form>
      )}
      <ErrorMessage error={lastError} known={known} />

      <div className="conversation-slot">
        {/* CONVERSATION SLOT: see ConversationSlot in staff-console-page.tsx. */}
        {conversation(current.conversation_id, current.id)}
      </div>
    </article>
  );
}
