import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useTitle } from '../components/use-title';
import { Link } from 'react-router';
import { ErrorMessage } from '../components/error-message';
import { useSignIn } from './use-auth';

export function SignInPage() {
  const { t } = useTranslation();
  useTitle(t('auth.signInTitle'));
  const ids = { email: useId(), password: useId() };
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useSignIn();

  // Once signed in, RequireSignedOut sends the user on to where they were headed.
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email, password });
  };

  return (
    <section className="narrow">
      <h1>{t('auth.signInTitle')}</h1>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.email}>{t('auth.email')}</label>
          <input
            id={ids.email}
            type="email"
            autoComplete="username"
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
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <ErrorMessage
          error={signIn.error}
          known={{
            '400': t('auth.invalidCredentials'),
            '401': t('auth.invalidCredentials'),
            '429': t('auth.tooManyAttempts'),
          }}
        />
        <button type="submit" disabled={signIn.isPending}>
          {t('auth.signIn')}
        </button>
      </form>
      <p>
        {t('auth.noAccount')} <Link to="/register">{t('auth.createAccount')}</Link>
      </p>
    </section>
  );
}
