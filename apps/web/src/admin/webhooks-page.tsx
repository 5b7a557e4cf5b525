import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { unwrap, type Schemas } from '../api/client';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import { useTitle } from '../components/use-title';
import { useServices } from '../services';

type EventKey = Schemas['CreateWebhookRequest']['events'][number];
const EVENTS: readonly EventKey[] = [
  'request.submitted',
  'request.assigned',
  'request.status_changed',
  'message.created',
];

function Deliveries({ webhookId }: { webhookId: string }) {
  const { t } = useTranslation();
  const { api } = useServices();
  const formatDate = useDateTime();
  const deliveries = useQuery({
    queryKey: ['webhooks', webhookId, 'deliveries'],
    refetchInterval: 10_000,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/admin/webhooks/{id}/deliveries', {
          params: { path: { id: webhookId } },
          signal,
        }),
      ),
  });
  if (deliveries.error) return <ErrorMessage error={deliveries.error} />;
  if (!deliveries.data) return <p role="status">{t('app.loading')}</p>;
  if (deliveries.data.items.length === 0) return <p>{t('webhooks.noDeliveries')}</p>;
  return (
    <table className="table">
      <caption className="visually-hidden">{t('webhooks.deliveries')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('webhooks.event')}</th>
          <th scope="col">{t('requests.status')}</th>
          <th scope="col">{t('webhooks.attempts')}</th>
          <th scope="col">{t('webhooks.lastAnswer')}</th>
          <th scope="col">{t('requests.created')}</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.data.items.map((delivery) => {
          const last = delivery.attempts[delivery.attempts.length - 1];
          return (
            <tr key={delivery.id}>
              <td>
                <code>{delivery.event_type}</code>
              </td>
              <td>{t(`webhooks.statuses.${delivery.status}`)}</td>
              <td>{delivery.attempts.length}</td>
              <td>{last ? (last.status_code ?? last.error ?? '') : ''}</td>
              <td>
                <time dateTime={delivery.created_at}>{formatDate(delivery.created_at)}</time>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Admins: webhook subscriptions, each new one's secret shown once, and their deliveries. */
export function WebhooksPage() {
  const { t } = useTranslation();
  useTitle(t('webhooks.title'));
  const { api } = useServices();
  const queryClient = useQueryClient();
  const ids = { url: useId(), secret: useId() };
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<EventKey[]>(['*']);
  const [open, setOpen] = useState<string | undefined>();
  const [secret, setSecret] = useState<{ url: string; secret: string } | undefined>();
  const list = useQuery({
    queryKey: ['webhooks'],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/admin/webhooks', { params: { query: { page_size: 100 } }, signal }),
      ),
  });
  const create = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/admin/webhooks', { body: { url: url.trim(), events } })),
    onSuccess: (webhook) => {
      setSecret({ url: webhook.url, secret: webhook.secret });
      setUrl('');
      return queryClient.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE('/api/v1/admin/webhooks/{id}', { params: { path: { id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['webhooks'] }),
  });

  const toggle = (event: EventKey, on: boolean) => {
    if (event === '*') return setEvents(on ? ['*'] : []);
    const specific = events.filter((e) => e !== '*' && e !== event);
    setEvents(on ? [...specific, event] : specific);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSecret(undefined);
    create.mutate();
  };

  return (
    <section>
      <h1>{t('webhooks.title')}</h1>
      <ErrorMessage error={list.error} />
      {list.data && list.data.items.length === 0 && <p>{t('webhooks.none')}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="request-list" aria-label={t('webhooks.title')}>
          {list.data.items.map((webhook) => (
            <li key={webhook.id} className="request-card">
              <div className="request-card-head">
                <code className="description">{webhook.url}</code>
                <span>{webhook.active ? t('webhooks.active') : t('webhooks.inactive')}</span>
              </div>
              <p>{webhook.events.join(', ')}</p>
              <div className="actions">
                <button
                  type="button"
                  className="secondary"
                  aria-expanded={open === webhook.id}
                  onClick={() => setOpen(open === webhook.id ? undefined : webhook.id)}
                >
                  {t('webhooks.deliveriesOf', { url: webhook.url })}
                </button>
                <button
                  type="button"
                  className="secondary danger"
                  onClick={() =>
                    window.confirm(t('webhooks.confirmDelete')) && remove.mutate(webhook.id)
                  }
                >
                  {t('webhooks.delete')}
                </button>
              </div>
              {open === webhook.id && <Deliveries webhookId={webhook.id} />}
            </li>
          ))}
        </ul>
      )}
      <ErrorMessage error={remove.error} />

      <h2>{t('webhooks.new')}</h2>
      <form className="narrow" onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.url}>{t('webhooks.url')}</label>
          <input
            id={ids.url}
            type="url"
            required
            placeholder="https://"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
        </div>
        <fieldset>
          <legend>{t('webhooks.events')}</legend>
          {(['*', ...EVENTS] as const).map((event) => (
            <label key={event} className="check">
              <input
                type="checkbox"
                checked={events.includes(event)}
                onChange={(change) => toggle(event, change.target.checked)}
              />
              {event === '*' ? t('webhooks.allEvents') : <code>{event}</code>}
            </label>
          ))}
        </fieldset>
        <ErrorMessage error={create.error} />
        <button type="submit" disabled={create.isPending || events.length === 0}>
          {t('webhooks.create')}
        </button>
      </form>
      {secret && (
        <div role="status" className="secret">
          <p>{t('webhooks.secretOnce', { url: secret.url })}</p>
          <label htmlFor={ids.secret}>{t('webhooks.secret')}</label>
          <input
            id={ids.secret}
            readOnly
            value={secret.secret}
            onFocus={(e) => e.target.select()}
          />
        </div>
      )}
    </section>
  );
}
