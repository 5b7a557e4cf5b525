import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useTitle } from '../components/use-title';
import { useNavigate } from 'react-router';
import { ErrorMessage } from '../components/error-message';
import { REQUEST_TYPES, useSubmitRequest, type RequestType } from './use-requests';

const MAX_DESCRIPTION = 5000;

export function NewRequestPage() {
  const { t } = useTranslation();
  useTitle(t('requests.newTitle'));
  const ids = { type: useId(), description: useId(), hint: useId() };
  const [type, setType] = useState<RequestType>('travel');
  const [description, setDescription] = useState('');
  const submit = useSubmitRequest();
  const navigate = useNavigate();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate(
      { type, description: description.trim() },
      { onSuccess: (request) => void navigate(`/requests/${request.id}`) },
    );
  };

  return (
    <section className="narrow">
      <h1>{t('requests.newTitle')}</h1>
      <form onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor={ids.type}>{t('requests.type')}</label>
          <select
            id={ids.type}
            value={type}
            onChange={(event) => setType(event.target.value as RequestType)}
          >
            {REQUEST_TYPES.map((value) => (
              <option key={value} value={value}>
                {t(`requests.types.${value}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.description}>{t('requests.description')}</label>
          <textarea
            id={ids.description}
            required
            rows={6}
            maxLength={MAX_DESCRIPTION}
            aria-describedby={ids.hint}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
          <p id={ids.hint} className="hint">
            {t('requests.descriptionHint')}
          </p>
        </div>
        <ErrorMessage error={submit.error} />
        <button type="submit" disabled={submit.isPending || description.trim() === ''}>
          {t('requests.submit')}
        </button>
      </form>
    </section>
  );
}
