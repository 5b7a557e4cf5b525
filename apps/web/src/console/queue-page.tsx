import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { useMe } from '../auth/use-auth';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import { useTitle } from '../components/use-title';
import { StatusBadge } from '../requests/status-badge';
import { REQUEST_STATUSES, type RequestStatus } from '../requests/use-requests';
import { RequestActions } from './request-actions';
import { useQueue } from './use-queue';

const PAGE_SIZE = 20;

/** The staff queue: every request, oldest first, filtered by status and assignee, live. */
export function QueuePage() {
  const { t } = useTranslation();
  useTitle(t('console.title'));
  const ids = { status: useId(), assignee: useId() };
  const me = useMe().data;
  const formatDate = useDateTime();
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('status');
  const status = REQUEST_STATUSES.includes(statusParam as RequestStatus)
    ? (statusParam as RequestStatus)
    : undefined;
  const onlyMine = params.get('assignee') === 'me';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const queue = useQueue({
    status,
    assigneeId: onlyMine ? me?.id : undefined,
    page,
    pageSize: PAGE_SIZE,
  });
  const pages = queue.data ? Math.max(1, Math.ceil(queue.data.total / PAGE_SIZE)) : 1;

  const change = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== 'page') next.delete('page');
    setParams(next);
  };

  return (
    <section>
      <h1>{t('console.title')}</h1>
      <div className="filters">
        <div className="field inline">
          <label htmlFor={ids.status}>{t('requests.status')}</label>
          <select
            id={ids.status}
            value={status ?? ''}
            onChange={(event) => change('status', event.target.value || undefined)}
          >
            <option value="">{t('requests.all')}</option>
            {REQUEST_STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`requests.statuses.${value}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={ids.assignee}>{t('console.assignee')}</label>
          <select
            id={ids.assignee}
            value={onlyMine ? 'me' : ''}
            onChange={(event) => change('assignee', event.target.value || undefined)}
          >
            <option value="">{t('console.anyone')}</option>
            <option value="me">{t('console.me')}</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={queue.error} />
      {queue.isPending && <p role="status">{t('app.loading')}</p>}
      {queue.data && queue.data.items.length === 0 && <p>{t('console.empty')}</p>}
      {queue.data && queue.data.items.length > 0 && (
        <ul className="request-list" aria-label={t('console.title')}>
          {queue.data.items.map((request) => (
            <li key={request.id} className="request-card">
              <div className="request-card-head">
                <Link to={`/console/requests/${request.id}`} className="request-type">
                  {t(`requests.types.${request.type}`)}
                </Link>
                <StatusBadge status={request.status} />
              </div>
              <p className="description" dir="auto">
                {request.description}
              </p>
              <div className="request-card-foot">
                <span>
                  {t('requests.created')}:{' '}
                  <time dateTime={request.created_at}>{formatDate(request.created_at)}</time>
                </span>
                <RequestActions request={request} />
              </div>
            </li>
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label={t('requests.pageOf', { page, pages })}>
          <button
            type="button"
            disabled={page <= 1}
            onClick={() => change('page', String(page - 1))}
          >
            {t('requests.previous')}
          </button>
          <span>{t('requests.pageOf', { page, pages })}</span>
          <button
            type="button"
            disabled={page >= pages}
            onClick={() => change('page', String(page + 1))}
          >
            {t('requests.next')}
          </button>
        </nav>
      )}
    </section>
  );
}
