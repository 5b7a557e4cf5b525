import { useTranslation } from 'react-i18next';
import { useTitle } from '../components/use-title';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { ConversationPanel } from '../conversation/conversation-panel';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import { CancelButton } from './cancel-button';
import { StatusBadge } from './status-badge';
import { useRequest } from './use-requests';

/** One request: its details, its status as it changes, and its live conversation. */
export function RequestPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const formatDate = useDateTime();
  const request = useRequest(id);
  useTitle(request.data ? t(`requests.types.${request.data.type}`) : t('requests.title'));

  if (request.isPending) return <p role="status">{t('app.loading')}</p>;
  // A failed refresh keeps what was loaded (the conversation stays usable while the network is
  // away); only a request that never loaded is an error page.
  if (request.error && request.data === undefined) {
    const missing =
      request.error instanceof ApiError &&
      (request.error.status === 404 || request.error.status === 400);
    return (
      <section>
        {missing ? (
          <p role="alert">{t('requests.notFound')}</p>
        ) : (
          <ErrorMessage error={request.error} />
        )}
        <Link to="/requests">{t('requests.backToList')}</Link>
      </section>
    );
  }
  const data = request.data;
  return (
    <section className="request-page">
      <p>
        <Link to="/requests">{t('requests.backToList')}</Link>
      </p>
      {request.error ? <ErrorMessage error={request.error} /> : null}
      <div className="page-heading">
        <h1>{t(`requests.types.${data.type}`)}</h1>
        <StatusBadge status={data.status} />
      </div>
      <p className="description" dir="auto">
        {data.description}
      </p>
      <dl className="facts">
        <dt>{t('requests.created')}</dt>
        <dd>
          <time dateTime={data.created_at}>{formatDate(data.created_at)}</time>
        </dd>
        <dt>{t('requests.updated')}</dt>
        <dd>
          <time dateTime={data.updated_at}>{formatDate(data.updated_at)}</time>
        </dd>
      </dl>
      <CancelButton request={data} />
      <ConversationPanel conversationId={data.conversation_id} />
    </section>
  );
}
