import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';

export function AdminNav() {
  const { t } = useTranslation();
  return (
    <nav className="sub-nav" aria-label={t('admin.nav')}>
      <ul>
        <li>
          <NavLink to="/admin/staff">{t('admin.staffNav')}</NavLink>
        </li>
        <li>
          <NavLink to="/admin/webhooks">{t('admin.webhooksNav')}</NavLink>
        </li>
      </ul>
    </nav>
  );
}
