import { useTranslation } from 'react-i18next';

/** "Previous", "Page N of M", "Next" under a paged list; nothing when it all fits on one page. */
export function Pager({
  page,
  pages,
  onPage,
}: {
  page: number;
  pages: number;
  onPage: (page: number) => void;
}) {
  const { t } = useTranslation();
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={t('requests.pageOf', { page, pages })}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('requests.previous')}
      </button>
      <span>{t('requests.pageOf', { page, pages })}</span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('requests.next')}
      </button>
    </nav>
  );
}
