import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../auth/use-auth';
import { ErrorMessage } from '../components/error-message';
import { useTitle } from '../components/use-title';
import type { Role } from './use-staff';

/**
 * A page for some roles only (from the signed-in user's profile): others are told so and sent
 * home. The API refuses them anyway (403); this keeps clients from ever seeing the screens.
 */
export function RequireRole({
  roles,
  forbidden,
  children,
}: {
  roles: readonly Role[];
  forbidden: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <p role="status">{t('app.loading')}</p>;
  if (!me.data) return <ErrorMessage error={me.error} />;
  if (!roles.includes(me.data.role)) return <Forbidden text={forbidden} />;
  return <>{children}</>;
}

function Forbidden({ text }: { text: string }) {
  const { t } = useTranslation();
  useTitle(text);
  return (
    <section>
      <h1>{text}</h1>
      <Link to="/">{t('app.backHome')}</Link>
    </section>
  );
}
