import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { useSignOut, useSignedIn } from '../auth/use-auth';
import { LiveUpdatesProvider } from '../notifications/live-updates';
import { LanguageSwitcher } from './language-switcher';

export function Layout() {
  const { t } = useTranslation();
  const signedIn = useSignedIn();
  const signOut = useSignOut();
  const navigate = useNavigate();

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          {t('app.name')}
        </Link>
        <nav aria-label={t('app.mainNav')}>
          <ul>
            {signedIn ? (
              <>
                <li>
                  <NavLink to="/requests" end>
                    {t('nav.myRequests')}
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/requests/new">{t('nav.newRequest')}</NavLink>
                </li>
                <li>
                  <NavLink to="/profile">{t('nav.profile')}</NavLink>
                </li>
              </>
            ) : (
              <>
                <li>
                  <NavLink to="/sign-in">{t('nav.signIn')}</NavLink>
                </li>
                <li>
                  <NavLink to="/register">{t('nav.register')}</NavLink>
                </li>
              </>
            )}
          </ul>
        </nav>
        <div className="header-tools">
          <LanguageSwitcher />
          {signedIn && (
            <button
              type="button"
              className="secondary"
              onClick={async () => {
                await signOut();
                void navigate('/sign-in');
              }}
            >
              {t('auth.signOut')}
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {signedIn ? (
          <LiveUpdatesProvider>
            <Outlet />
          </LiveUpdatesProvider>
        ) : (
          <Outlet />
        )}
      </main>
    </>
  );
}
