import { useLayoutEffect } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The document's title names the page (WCAG 2.4.2), in the reader's language: set as the page is
 * put in the document (a layout effect), so that no moment shows the new page under the old title.
 */
export function useTitle(page: string): void {
  const { t } = useTranslation();
  const app = t('app.name');
  useLayoutEffect(() => {
    document.title = page ? `${page} · ${app}` : app;
  }, [page, app]);
}
