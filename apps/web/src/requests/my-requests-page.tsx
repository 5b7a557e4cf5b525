import { useTranslation } from 'react-i18next';
import { useTitle } from '../components/use-title';
import { Link, useSearchParams } from 'react-router';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import { StatusBadge } from './status-badge';
import { CancelButton } from './cancel-button';
import { REQUEST_STATUSES, useMyRequests, type RequestStatus } from './use-requests';
import { Pager } from '../components/pager';
import { StatusFilter } from './status-filter';

const PAGE_SIZE = 20;

export function MyRequestsPage() {
  const { t } = useTranslation();
  useTitle(t('requests.title'));
  const formatDate = useDateTime();
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('status');
  const status = REQUEST_STATUSES.includes(statusParam as RequestStatus)
    ? (statusParam as RequestStatus)
    : undefined;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const list = useMyRequests({ status, page, pageSize: PAGE_SIZE });
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : 1;

  const go = (next: { status?: string; page?: number }) => {
    const search = new URLSearchParams();
    const nextStatus = 'status' in next ? next.status : status;
    if (nextStatus) search.set('status', nextStatus);
    if (next.page && next.page > 1) search.set('page', String(next.page));
    setParams(search);
  };

  return (
    <section>
      <div className="page-heading">
        <h1>{t('requests.title')}</h1>
        <Link className="button" to="/requests/new">
          {t('nav.newRequest')}
        </Link>
      </div>
      <StatusFilter
        label={t('requests.filterStatus')}
        value={status}
        onChange={(next) => go({ status: next, page: 1 })}
      />
      <ErrorMessage error={list.error} />
      {list.isPending && <p role="status">{t('app.loading')}</p>}
      {list.data && list.data.items.length === 0 && (
        <p>
          {t('requests.empty')} <Link to="/requests/new">{t('requests.createFirst')}</Link>
        </p>
      )}
      {list.data && list.data.items.length > 0 && (
        <ul className="request-list" aria-label={t('requests.title')}>
          {list.data.items.map((request) => (
            <li key={request.id} className="request-card">
              <div className="request-card-head">
                <Link to={`/requests/${request.id}`} className="request-type">
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
                <CancelButton request={request} />
              </div>
            </li>
          ))}
        </ul>
      )}
      <Pager page={page} pages={pages} onPage={(next) => go({ page: next })} />
    </section>
  );
}
