import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { REQUEST_STATUSES, type RequestStatus } from './use-requests';

/** A status to filter a list of requests by ("All": none), under the caller's label. */
export function StatusFilter({
  label,
  value,
  onChange,
}: {
  label: string;
  value: RequestStatus | undefined;
  onChange: (status: RequestStatus | undefined) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field inline">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value ?? ''}
        onChange={(event) => onChange((event.target.value || undefined) as RequestStatus)}
      >
        <option value="">{t('requests.all')}</option>
        {REQUEST_STATUSES.map((status) => (
          <option key={status} value={status}>
            {t(`requests.statuses.${status}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
