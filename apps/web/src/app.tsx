import { QueryClientProvider } from '@tanstack/react-query';
import { I18nextProvider, useTranslation } from 'react-i18next';
import { Link, Navigate, type RouteObject } from 'react-router';
import { RequireSignedIn, RequireSignedOut } from './auth/guards';
import { RegisterPage } from './auth/register-page';
import { SignInPage } from './auth/sign-in-page';
import { Layout } from './components/layout';
import { useTitle } from './components/use-title';
import { i18n } from './i18n/i18n';
import { ServicesProvider, type Services } from './services';
import type { ReactNode } from 'react';

function NotFoundPage() {
  const { t } = useTranslation();
  useTitle(t('app.notFound'));
  return (
    <section>
      <h1>{t('app.notFound')}</h1>
      <Link to="/">{t('app.backHome')}</Link>
    </section>
  );
}

/**
 * What a screen that failed to load shows (a release replaced the chunk it needed, or the network
 * dropped): a way forward, in the reader's language, instead of a blank page.
 */
function LoadFailedPage() {
  const { t } = useTranslation();
  return (
    <main id="main" className="narrow">
      <h1>{t('app.genericError')}</h1>
      <button type="button" onClick={() => window.location.reload()}>
        {t('app.reload')}
      </button>
    </main>
  );
}

/** Every screen, by path. Links in e-mails point at /requests/{id}. */
export const routes: RouteObject[] = [
  {
    element: <Layout />,
    errorElement: <LoadFailedPage />,
    children: [
      { index: true, element: <Navigate to="/requests" replace /> },
      {
        element: <RequireSignedOut />,
        children: [
          { path: 'sign-in', element: <SignInPage /> },
          { path: 'register', element: <RegisterPage /> },
        ],
      },
      {
        // Loaded on first use: the first page (sign in) carries only what it needs.
        element: <RequireSignedIn />,
        children: [
          {
            path: 'requests',
            lazy: () =>
              import('./requests/my-requests-page').then((m) => ({ Component: m.MyRequestsPage })),
          },
          {
            path: 'requests/new',
            lazy: () =>
              import('./requests/new-request-page').then((m) => ({ Component: m.NewRequestPage })),
          },
          {
            path: 'requests/:id',
            lazy: () =>
              import('./requests/request-page').then((m) => ({ Component: m.RequestPage })),
          },
          // Staff console and admin screens (agents and admins; each page checks the role): loaded
          // on first use only, so neither the first page nor a client ever downloads them.
          {
            path: 'staff',
            lazy: () =>
              import('./staff/staff-console-page').then((m) => ({ Component: m.StaffConsolePage })),
          },
          {
            path: 'staff/requests/:id',
            lazy: () =>
              import('./staff/staff-console-page').then((m) => ({ Component: m.StaffConsolePage })),
          },
          { path: 'admin', element: <Navigate to="/admin/staff" replace /> },
          {
            path: 'admin/staff',
            lazy: () =>
              import('./admin/staff-accounts-page').then((m) => ({
                Component: m.StaffAccountsPage,
              })),
          },
          {
            path: 'admin/webhooks',
            lazy: () =>
              import('./admin/webhooks-page').then((m) => ({ Component: m.WebhooksPage })),
          },
          {
            path: 'admin/webhooks/:id',
            lazy: () =>
              import('./admin/webhook-deliveries-page').then((m) => ({
                Component: m.WebhookDeliveriesPage,
              })),
          },
          {
            path: 'profile',
            lazy: () =>
              import('./profile/profile-page').then((m) => ({ Component: m.ProfilePage })),
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

/** The providers every screen needs (tests wrap screens in the same). */
export function AppProviders({ services, children }: { services: Services; children: ReactNode }) {
  return (
    <ServicesProvider services={services}>
      <QueryClientProvider client={services.queryClient}>
        <I18nextProvider i18n={i18n}>{children}</I18nextProvider>
      </QueryClientProvider>
    </ServicesProvider>
  );
}
