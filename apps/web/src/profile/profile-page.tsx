import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useTitle } from '../components/use-title';
import { useMe } from '../auth/use-auth';
import { ErrorMessage } from '../components/error-message';
import { LanguageSwitcher } from '../components/language-switcher';
import { useUpdateProfile, type Preferences } from './use-profile';

/** The events a user may be mailed about (user-service: preferences.notifications.email). */
const CLIENT_EVENTS = ['request.status_changed', 'message.created'] as const;
const STAFF_EVENTS = ['request.submitted', 'request.assigned'] as const;
type MailEvent = (typeof CLIENT_EVENTS)[number] | (typeof STAFF_EVENTS)[number];

function emailChoices(preferences: Preferences | undefined): Record<string, boolean> {
  const notifications = preferences?.['notifications'];
  const email =
    notifications && typeof notifications === 'object'
      ? (notifications as { email?: unknown }).email
      : undefined;
  return email && typeof email === 'object' ? (email as Record<string, boolean>) : {};
}

export function ProfilePage() {
  const { t } = useTranslation();
  useTitle(t('profile.title'));
  const ids = { name: useId(), notifications: useId() };
  const me = useMe();
  const update = useUpdateProfile();
  const [fullName, setFullName] = useState('');
  const [saved, setSaved] = useState(false);

  useEffect(() => setFullName(me.data?.full_name ?? ''), [me.data?.full_name]);

  if (!me.data) {
    return me.error ? <ErrorMessage error={me.error} /> : <p role="status">{t('app.loading')}</p>;
  }
  const user = me.data;
  const events: readonly MailEvent[] =
    user.role === 'user' ? CLIENT_EVENTS : [...STAFF_EVENTS, ...CLIENT_EVENTS];
  const choices = emailChoices(user.preferences);

  const saveName = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    update.mutate({ full_name: fullName.trim() || null }, { onSuccess: () => setSaved(true) });
  };

  const toggle = (mailEvent: MailEvent, on: boolean) => {
    setSaved(false);
    const notifications = (user.preferences['notifications'] ?? {}) as Record<string, unknown>;
    update.mutate(
      {
        preferences: {
          ...user.preferences,
          notifications: { ...notifications, email: { ...choices, [mailEvent]: on } },
        },
      },
      { onSuccess: () => setSaved(true) },
    );
  };

  return (
    <section className="narrow">
      <h1>{t('profile.title')}</h1>
      <h2>{t('profile.details')}</h2>
      <dl className="facts">
        <dt>{t('auth.email')}</dt>
        <dd>{user.email}</dd>
        <dt>{t('profile.role')}</dt>
        <dd>{t(`profile.roles.${user.role}`)}</dd>
      </dl>
      <form onSubmit={saveName}>
        <div className="field">
          <label htmlFor={ids.name}>{t('auth.fullName')}</label>
          <input
            id={ids.name}
            autoComplete="name"
            maxLength={200}
            value={fullName}
            onChange={(event) => setFullName(event.target.value)}
          />
        </div>
        <button type="submit" disabled={update.isPending}>
          {t('profile.save')}
        </button>
      </form>

      <h2>{t('profile.preferences')}</h2>
      <LanguageSwitcher />
      <fieldset>
        <legend>{t('profile.emailNotifications')}</legend>
        {events.map((mailEvent) => (
          <label key={mailEvent} className="check">
            <input
              type="checkbox"
              checked={choices[mailEvent] !== false}
              disabled={update.isPending}
              onChange={(event) => toggle(mailEvent, event.target.checked)}
            />
            {t(`profile.events.${mailEvent}`)}
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={update.error} />
      <p role="status" className="saved">
        {saved ? t('profile.saved') : ''}
      </p>
    </section>
  );
}
