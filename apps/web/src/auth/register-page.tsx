import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useTitle } from '../components/use-title';
import { Link } from 'react-router';
import { ErrorMessage } from '../components/error-message';
import { useRegister, useSignIn } from './use-auth';

export function RegisterPage() {
  const { t } = useTranslation();
  useTitle(t('auth.registerTitle'));
  const ids = { name: useId(), email: useId(), password: useId(), hint: useId() };
  const [fullName, setFullName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const register = useRegister();
  const signIn = useSignIn();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = fullName.trim();
    await register.mutateAsync({ email, password, ...(name ? { full_name: name } : {}) });
    await signIn.mutateAsync({ email, password }); // RequireSignedOut then opens their requests
  };

  const pending = register.isPending || signIn.isPending;
  return (
    <section className="narrow">
      <h1>{t('auth.registerTitle')}</h1>
      <form onSubmit={(event) => void submit(event).catch(() => undefined)}>
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
        <div className="field">
          <label htmlFor={ids.email}>{t('auth.email')}</label>
          <input
            id={ids.email}
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.password}>{t('auth.password')}</label>
          <input
            id={ids.password}
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            aria-describedby={ids.hint}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <p id={ids.hint} className="hint">
            {t('auth.passwordHint')}
          </p>
        </div>
        <ErrorMessage error={register.error} known={{ '409': t('auth.emailTaken') }} />
        <ErrorMessage error={signIn.error} known={{ '429': t('auth.tooManyAttempts') }} />
        <button type="submit" disabled={pending}>
          {t('auth.createAccount')}
        </button>
      </form>
      <p>
        {t('auth.haveAccount')} <Link to="/sign-in">{t('auth.signIn')}</Link>
      </p>
    </section>
  );
}
