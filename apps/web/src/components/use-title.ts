import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** The document's title names the page (WCAG 2.4.2), in the reader's language. */
export function useTitle(page: string): void {
  const { t } = useTranslation();
  const app = t('app.name');
  useEffect(() => {
    document.title = page ? `${page} · ${app}` : app;
  }, [page, app]);
}
