import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import { useTitle } from '../components/use-title';
import { RequireRole } from '../staff/require-role';
import { AdminNav } from './admin-nav';
import { useDeliveries, useRedeliver, useWebhooks, type Delivery } from './use-admin';
import { Pager } from '../components/pager';

/** Admins: one webhook's deliveries, newest first, each with its attempts; redeliver. */
export function WebhookDeliveriesPage() {
  const { t } = useTranslation();
  return (
    <RequireRole roles={['admin']} forbidden={t('admin.forbidden')}>
      <Deliveries />
    </RequireRole>
  );
}

function Deliveries() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const [page, setPage] = useState(1);
  const webhook = useWebhooks().data?.items.find((item) => item.id === id);
  const title = t('admin.deliveriesOf', { url: webhook?.url ?? '…' });
  useTitle(title);
  const deliveries = useDeliveries(id, page);
  const redeliver = useRedeliver(id);
  const pages = deliveries.data ? Math.max(1, Math.ceil(deliveries.data.total / 20)) : 1;
  return (
    <section>
      <AdminNav />
      <h1 dir="auto">{title}</h1>
      <Link to="/admin/webhooks">{t('admin.backToWebhooks')}</Link>
      <ErrorMessage error={deliveries.error} known={{ '404': t('app.notFound') }} />
      <ErrorMessage error={redeliver.error} known={{ '409': t('admin.redeliverConflict') }} />
      {redeliver.isSuccess && <p role="status">{t('admin.redelivered')}</p>}
      {deliveries.isPending && <p role="status">{t('app.loading')}</p>}
      {deliveries.data && deliveries.data.items.length === 0 && <p>{t('admin.noDeliveries')}</p>}
      {deliveries.data && deliveries.data.items.length > 0 && (
        <table className="data-table">
          <caption className="visually-hidden">{t('admin.deliveries')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.event')}</th>
              <th scope="col">{t('admin.status')}</th>
              <th scope="col">{t('admin.attempts')}</th>
              <th scope="col">{t('admin.createdAt')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('admin.redeliver')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((delivery) => (
              <DeliveryRow
                key={delivery.id}
                delivery={delivery}
                busy={redeliver.isPending}
                onRedeliver={() => redeliver.mutate(delivery.id)}
              />
            ))}
          </tbody>
        </table>
      )}
      <Pager page={page} pages={pages} onPage={(next) => setPage(next)} />
    </section>
  );
}

function DeliveryRow({
  delivery,
  busy,
  onRedeliver,
}: {
  delivery: Delivery;
  busy: boolean;
  onRedeliver: () => void;
}) {
  const { t } = useTranslation();
  const formatDate = useDateTime();
  return (
    <tr>
      <td>
        <code>{delivery.event_type}</code>
      </td>
      <td>
        {t(`admin.deliveryStatuses.${delivery.status}`)}
        {delivery.status === 'pending' && delivery.next_attempt_at && (
          <div className="hint">
            {t('admin.nextAttempt')}: {formatDate(delivery.next_attempt_at)}
          </div>
        )}
      </td>
      <td>
        <details>
          <summary>{t('admin.attemptsCount', { count: delivery.attempts.length })}</summary>
          <ol>
            {delivery.attempts.map((attempt) => (
              <li key={attempt.at}>
                <time dateTime={attempt.at}>{formatDate(attempt.at)}</time>
                {' · '}
                {t('admin.httpStatus')}: {attempt.status_code ?? t('admin.noAnswer')}
                {' · '}
                {t('admin.latency', { ms: attempt.latency_ms })}
                {attempt.error && (
                  <div dir="ltr">
                    {t('admin.error')}: <code>{attempt.error}</code>
                  </div>
                )}
              </li>
            ))}
          </ol>
        </details>
      </td>
      <td>
        <time dateTime={delivery.created_at}>{formatDate(delivery.created_at)}</time>
      </td>
      <td>
        {delivery.status !== 'pending' && (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            aria-label={`${t('admin.redeliver')}: ${delivery.event_type} ${formatDate(delivery.created_at)}`}
            onClick={onRedeliver}
          >
            {t('admin.redeliver')}
          </button>
        )}
      </td>
    </tr>
  );
}
