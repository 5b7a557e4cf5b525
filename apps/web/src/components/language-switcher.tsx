import { useEffect, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth/use-auth';
import { LANGUAGES, currentLanguage, isLanguage, type Language } from '../i18n/i18n';
import { useUpdateProfile } from '../profile/use-profile';

/**
 * The language choice, on every page. Signed in, it is kept in the user's preferences
 * (`preferences.language`), so it follows them to every browser; the stored one wins at sign-in.
 */
export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const me = useMe();
  const update = useUpdateProfile();
  const stored = me.data?.preferences?.['language'];

  useEffect(() => {
    if (isLanguage(stored) && stored !== currentLanguage()) void i18n.changeLanguage(stored);
  }, [stored, i18n]);

  const choose = (language: Language) => {
    void i18n.changeLanguage(language);
    if (me.data && stored !== language) {
      update.mutate({ preferences: { ...me.data.preferences, language } });
    }
  };

  return (
    <div className="language-switcher">
      <label htmlFor={id}>{t('app.language')}</label>
      <select
        id={id}
        value={currentLanguage()}
        onChange={(event) => isLanguage(event.target.value) && choose(event.target.value)}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {t(`app.languages.${language}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
