import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/error-message';
import { canCancel, useCancelRequest, type ConciergeRequest } from './use-requests';

/** The owner's cancel, with a confirmation; shown only while the request can still be cancelled. */
export function CancelButton({ request }: { request: ConciergeRequest }) {
  const { t } = useTranslation();
  const cancel = useCancelRequest();
  if (!canCancel(request)) return null;
  return (
    <>
      <button
        type="button"
        className="secondary danger"
        disabled={cancel.isPending}
        onClick={() => {
          if (window.confirm(t('requests.confirmCancel'))) cancel.mutate(request.id);
        }}
      >
        {t('requests.cancel')}
      </button>
      <ErrorMessage error={cancel.error} />
    </>
  );
}
