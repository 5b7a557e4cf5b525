import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

/**
 * An error for people: a known case in their language (by the API's `code` or status), else a
 * generic line. The API's own `detail` is English, so it is shown only for validation (400).
 */
export function ErrorMessage({
  error,
  known = {},
}: {
  error: unknown;
  known?: Record<string, string>;
}) {
  const { t } = useTranslation();
  if (!error) return null;
  let text = t('app.genericError');
  if (error instanceof ApiError) {
    text =
      (error.code && known[error.code]) ??
      known[String(error.status)] ??
      (error.status === 400 ? error.detail : text);
  } else if (error instanceof TypeError) {
    text = t('app.offline'); // fetch failed: no connection
  }
  return (
    <p role="alert" className="error">
      {text}
    </p>
  );
}
