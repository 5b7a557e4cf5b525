import { lazy, Suspense, useLayoutEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useMe, useSignOut, useSignedIn } from '../auth/use-auth';
import { LiveUpdatesProvider } from '../notifications/live-updates';
import { LanguageSwitcher } from './language-switcher';

// Loaded after sign-in only: the first page (sign in) does not carry it.
const NotificationBell = lazy(() =>
  import('../notifications/bell').then((m) => ({ default: m.NotificationBell })),
);

/** The notifications socket, held once for the whole signed-in layout (the bell included). */
function Live({ signedIn, children }: { signedIn: boolean; children: ReactNode }) {
  return signedIn ? <LiveUpdatesProvider>{children}</LiveUpdatesProvider> : <>{children}</>;
}

export function Layout() {
  const { t } = useTranslation();
  const signedIn = useSignedIn();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const main = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const firstPage = useRef(true);
  const role = useMe().data?.role;
  const staff = role === 'agent' || role === 'admin';

  // After a navigation, keyboard and screen reader users start at the new page's content, as
  // they would after a full page load (the skip link is still one Shift+Tab away): moved there as
  // the page is put in the document (a layout effect), before anything else can take the focus.
  useLayoutEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname]);

  return (
    <Live signedIn={signedIn}>
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
                    <NavLink to="/staff">{t('staff.nav')}</NavLink>
                  </li>
                )}
                {role === 'admin' && (
                  <li>
                    <NavLink to="/admin">{t('admin.nav')}</NavLink>
                  </li>
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
          <LanguageSwitcher />
          {signedIn && (
            <Suspense fallback={null}>
              <NotificationBell />
            </Suspense>
          )}
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
    </Live>
  );
}
