import { useTranslation } from 'react-i18next';
import type { RequestStatus } from './use-requests';

export function StatusBadge({ status }: { status: RequestStatus }) {
  const { t } = useTranslation();
  return <span className={`status status-${status}`}>{t(`requests.statuses.${status}`)}</span>;
}
