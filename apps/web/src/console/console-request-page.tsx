import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import { useTitle } from '../components/use-title';
import { ConversationPanel } from '../conversation/conversation-panel';
import { StatusBadge } from '../requests/status-badge';
import { useRequest } from '../requests/use-requests';
import { RequestActions } from './request-actions';

/** A request as staff work it: its details and moves beside its conversation. */
export function ConsoleRequestPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const formatDate = useDateTime();
  const request = useRequest(id);
  useTitle(request.data ? t(`requests.types.${request.data.type}`) : t('console.title'));

  if (request.isPending) return <p role="status">{t('app.loading')}</p>;
  if (request.error) {
    const missing = request.error instanceof ApiError && [400, 404].includes(request.error.status);
    return (
      <section>
        {missing ? (
          <p role="alert">{t('requests.notFound')}</p>
        ) : (
          <ErrorMessage error={request.error} />
        )}
        <Link to="/console">{t('console.backToQueue')}</Link>
      </section>
    );
  }
  const data = request.data;
  return (
    <div className="console-request">
      <section>
        <p>
          <Link to="/console">{t('console.backToQueue')}</Link>
        </p>
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
        <RequestActions request={data} />
      </section>
      <ConversationPanel conversationId={data.conversation_id} />
    </div>
  );
}
