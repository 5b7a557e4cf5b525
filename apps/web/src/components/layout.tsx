import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useMe, useSignOut, useSignedIn } from '../auth/use-auth';
import { LiveUpdatesProvider } from '../notifications/live-updates';
import { NotificationBell } from '../notifications/notification-bell';
import { LanguageSwitcher } from './language-switcher';

export function Layout() {
  const { t } = useTranslation();
  const signedIn = useSignedIn();
  const signOut = useSignOut();
  const role = useMe().data?.role;
  const staff = signedIn && role !== undefined && role !== 'user';
  const navigate = useNavigate();
  const main = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const firstPage = useRef(true);

  // After a navigation, keyboard and screen reader users start at the new page's content, as
  // they would after a full page load (the skip link is still one Shift+Tab away).
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname]);

  const page = (
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
                {staff && (
                  <li>
                    <NavLink to="/console">{t('console.nav')}</NavLink>
                  </li>
                )}
                {role === 'admin' && (
                  <>
                    <li>
                      <NavLink to="/admin/staff">{t('admin.nav')}</NavLink>
                    </li>
                    <li>
                      <NavLink to="/admin/webhooks">{t('webhooks.nav')}</NavLink>
                    </li>
                  </>
                )}
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
          {signedIn && <NotificationBell />}
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
      <main id="main" tabIndex={-1} ref={main}>
        <Outlet />
      </main>
    </>
  );
  // Signed in, the live notifications feed the bell and refresh what they are about.
  return signedIn ? <LiveUpdatesProvider>{page}</LiveUpdatesProvider> : page;
}
