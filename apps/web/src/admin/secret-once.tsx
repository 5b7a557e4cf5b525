import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A webhook's signing secret, shown once (when made or rotated): a warning, the secret in a
 * read-only field, a copy button, and a button to put it away. Nothing keeps it afterwards: it
 * lives in this component's props only, never in the query cache or storage.
 */
export function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const { t } = useTranslation();
  const fieldId = useId();
  const warningId = useId();
  const headingId = useId();
  const box = useRef<HTMLElement>(null);
  const [copy, setCopy] = useState<'idle' | 'done' | 'failed'>('idle');

  // Focus moves to it, so a keyboard or screen reader user meets the warning at once.
  useEffect(() => box.current?.focus(), []);

  return (
    <section
      ref={box}
      tabIndex={-1}
      className="secret-box"
      aria-labelledby={headingId}
      aria-describedby={warningId}
    >
      <h2 id={headingId}>{t('admin.secretTitle')}</h2>
      <p id={warningId} className="error">
        {t('admin.secretWarning')}
      </p>
      <div className="field">
        <label htmlFor={fieldId}>{t('admin.secretLabel')}</label>
        <input
          id={fieldId}
          readOnly
          value={secret}
          spellCheck={false}
          onFocus={(event) => event.target.select()}
        />
      </div>
      <div className="actions">
        <button
          type="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(secret);
              setCopy('done');
            } catch {
              setCopy('failed');
            }
          }}
        >
          {t('admin.copy')}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          {t('admin.secretDone')}
        </button>
      </div>
      <p role="status">
        {copy === 'done' ? t('admin.copied') : copy === 'failed' ? t('admin.copyFailed') : ''}
      </p>
    </section>
  );
}
