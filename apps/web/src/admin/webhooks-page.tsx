import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorMessage } from '../components/error-message';
import { useDateTime } from '../components/format';
import { useTitle } from '../components/use-title';
import { RequireRole } from '../staff/require-role';
import { AdminNav } from './admin-nav';
import { SecretOnce } from './secret-once';
import {
  WEBHOOK_EVENTS,
  useCreateWebhook,
  useDeleteWebhook,
  useRotateSecret,
  useSendTest,
  useUpdateWebhook,
  useWebhooks,
  type Webhook,
  type WebhookEvent,
} from './use-admin';

/** Admins: the webhooks, a new one (its secret shown once), and what can be done to each. */
export function WebhooksPage() {
  const { t } = useTranslation();
  return (
    <RequireRole roles={['admin']} forbidden={t('admin.forbidden')}>
      <Webhooks />
    </RequireRole>
  );
}

function Webhooks() {
  const { t } = useTranslation();
  useTitle(t('admin.webhooksTitle'));
  const list = useWebhooks();
  // The secret of the webhook just made or rotated; gone when put away or on leaving the page.
  const [secret, setSecret] = useState<string | undefined>();
  return (
    <section>
      <AdminNav />
      <h1>{t('admin.webhooksTitle')}</h1>
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(undefined)} />}
      <CreateWebhookForm onSecret={setSecret} />
      <h2>{t('admin.webhookList')}</h2>
      <ErrorMessage error={list.error} />
      {list.isPending && <p role="status">{t('app.loading')}</p>}
      {list.data && list.data.items.length === 0 && <p>{t('admin.noWebhooks')}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="request-list" aria-label={t('admin.webhookList')}>
          {list.data.items.map((webhook) => (
            <li key={webhook.id} className="request-card">
              <WebhookRow webhook={webhook} onSecret={setSecret} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function WebhookRow({ webhook, onSecret }: { webhook: Webhook; onSecret: (s: string) => void }) {
  const { t } = useTranslation();
  const formatDate = useDateTime();
  const update = useUpdateWebhook();
  const rotate = useRotateSecret();
  const test = useSendTest();
  const remove = useDeleteWebhook();
  const error = update.error ?? rotate.error ?? test.error ?? remove.error;
  const busy = update.isPending || rotate.isPending || test.isPending || remove.isPending;
  const named = (action: string) => `${action}: ${webhook.url}`;
  return (
    <>
      <div className="request-card-head">
        <span dir="ltr" className="request-type">
          {webhook.url}
        </span>
        <span className={`status status-${webhook.active ? 'fulfilled' : 'cancelled'}`}>
          {webhook.active ? t('admin.active') : t('admin.inactive')}
        </span>
      </div>
      <p>
        {t('admin.events')}: <code>{webhook.events.join(', ')}</code>
      </p>
      {webhook.disabled_reason && (
        <p className="hint">{t('admin.disabledBecause', { reason: webhook.disabled_reason })}</p>
      )}
      <p className="hint">
        {t('admin.createdAt')}:{' '}
        <time dateTime={webhook.created_at}>{formatDate(webhook.created_at)}</time>
      </p>
      <div className="actions">
        <Link to={`/admin/webhooks/${webhook.id}`} aria-label={named(t('admin.deliveries'))}>
          {t('admin.deliveries')}
        </Link>
        <button
          type="button"
          className="secondary"
          disabled={busy}
          aria-label={named(webhook.active ? t('admin.turnOff') : t('admin.turnOn'))}
          onClick={() => update.mutate({ id: webhook.id, active: !webhook.active })}
        >
          {webhook.active ? t('admin.turnOff') : t('admin.turnOn')}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy || !webhook.active}
          aria-label={named(t('admin.sendTest'))}
          onClick={() => test.mutate(webhook.id)}
        >
          {t('admin.sendTest')}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy}
          aria-label={named(t('admin.rotate'))}
          onClick={() => {
            if (!window.confirm(t('admin.confirmRotate'))) return;
            rotate.mutate(webhook.id, { onSuccess: (answer) => onSecret(answer.secret) });
          }}
        >
          {t('admin.rotate')}
        </button>
        <button
          type="button"
          className="secondary danger"
          disabled={busy}
          aria-label={named(t('admin.remove'))}
          onClick={() => {
            if (window.confirm(t('admin.confirmRemove'))) remove.mutate(webhook.id);
          }}
        >
          {t('admin.remove')}
        </button>
      </div>
      {test.isSuccess && <p role="status">{t('admin.testSent')}</p>}
      <ErrorMessage error={error} known={{ '409': t('admin.testOff') }} />
    </>
  );
}

function CreateWebhookForm({ onSecret }: { onSecret: (secret: string) => void }) {
  const { t } = useTranslation();
  const urlId = useId();
  const hintId = useId();
  const create = useCreateWebhook();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<ReadonlySet<WebhookEvent>>(new Set(['request.submitted']));
  const [missing, setMissing] = useState(false);
  const toggle = (event: WebhookEvent, on: boolean) => {
    const next = new Set(events);
    if (on) next.add(event);
    else next.delete(event);
    setEvents(next);
    setMissing(false);
  };
  return (
    <form
      className="panel"
      onSubmit={(event) => {
        event.preventDefault();
        if (events.size === 0) {
          setMissing(true);
          return;
        }
        create.mutate(
          { url: url.trim(), events: [...events] },
          {
            onSuccess: (answer) => {
              setUrl('');
              onSecret(answer.secret);
            },
          },
        );
      }}
    >
      <h2>{t('admin.newWebhook')}</h2>
      <div className="field">
        <label htmlFor={urlId}>{t('admin.url')}</label>
        <input
          id={urlId}
          type="url"
          required
          dir="ltr"
          aria-describedby={hintId}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <small id={hintId}>{t('admin.urlHint')}</small>
      </div>
      <fieldset>
        <legend>{t('admin.events')}</legend>
        <label>
          <input
            type="checkbox"
            checked={events.has('*')}
            onChange={(e) => toggle('*', e.target.checked)}
          />{' '}
          {t('admin.allEvents')}
        </label>
        {WEBHOOK_EVENTS.map((name) => (
          <label key={name}>
            <input
              type="checkbox"
              checked={events.has(name)}
              onChange={(e) => toggle(name, e.target.checked)}
            />{' '}
            <code>{t(`admin.eventNames.${name}`)}</code>
          </label>
        ))}
      </fieldset>
      {missing && (
        <p role="alert" className="error">
          {t('admin.chooseEvent')}
        </p>
      )}
      <button type="submit" disabled={create.isPending}>
        {t('admin.createWebhook')}
      </button>
      <ErrorMessage error={create.error} />
    </form>
  );
}
