import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth/use-auth';
import { ErrorMessage } from '../components/error-message';
import type { ConciergeRequest } from '../requests/use-requests';
import { nextStep, useRequestMove, useStaff } from './use-queue';

/**
 * The lifecycle moves a request allows now, and only those: "Assign to me" (or, for admins, to
 * an agent), "Start work", "Mark fulfilled".
 */
export function RequestActions({ request }: { request: ConciergeRequest }) {
  const { t } = useTranslation();
  const agentId = useId();
  const me = useMe().data;
  const move = useRequestMove();
  const isAdmin = me?.role === 'admin';
  const closed = request.status === 'fulfilled' || request.status === 'cancelled';
  const staff = useStaff(isAdmin && !closed);
  const [chosen, setChosen] = useState('');
  const step = nextStep(request.status);
  const mine = request.assignee_id === me?.id;

  return (
    <div className="actions">
      {step === 'assign' && (
        <button
          type="button"
          disabled={move.isPending}
          onClick={() => move.mutate({ id: request.id, action: 'assign' })}
        >
          {t('console.assignToMe')}
        </button>
      )}
      {step === 'start' && (
        <button
          type="button"
          disabled={move.isPending}
          onClick={() => move.mutate({ id: request.id, action: 'start' })}
        >
          {t('console.startWork')}
        </button>
      )}
      {step === 'fulfil' && (
        <button
          type="button"
          disabled={move.isPending}
          onClick={() => move.mutate({ id: request.id, action: 'fulfil' })}
        >
          {t('console.markFulfilled')}
        </button>
      )}
      {!closed && step !== 'assign' && !mine && (
        <button
          type="button"
          className="secondary"
          disabled={move.isPending}
          onClick={() => move.mutate({ id: request.id, action: 'assign' })}
        >
          {t('console.assignToMe')}
        </button>
      )}
      {isAdmin && !closed && staff.data && (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (chosen) move.mutate({ id: request.id, action: 'assign', agentId: chosen });
          }}
        >
          <label htmlFor={agentId}>{t('console.assignTo')}</label>
          <select id={agentId} value={chosen} onChange={(event) => setChosen(event.target.value)}>
            <option value="">{t('console.chooseAgent')}</option>
            {staff.data.map((person) => (
              <option key={person.id} value={person.id}>
                {person.full_name ?? person.email}
              </option>
            ))}
          </select>
          <button type="submit" className="secondary" disabled={!chosen || move.isPending}>
            {t('console.assign')}
          </button>
        </form>
      )}
      <ErrorMessage error={move.error} known={{ '409': t('console.moveRefused') }} />
    </div>
  );
}
