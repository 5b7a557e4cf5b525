import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { ar } from './ar';
import { en } from './en';

export const LANGUAGES = ['en', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'ajla.language';
const RTL: ReadonlySet<Language> = new Set(['ar']);

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The language of a first visit: the one chosen before, else the browser's, else English. */
function initialLanguage(): Language {
  const stored = safeStorage()?.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  const browser = (typeof navigator !== 'undefined' ? navigator.language : 'en').slice(0, 2);
  return isLanguage(browser) ? browser : 'en';
}

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** `lang` and `dir` of the whole document follow the language (Arabic is right to left). */
function applyToDocument(language: Language): void {
  const html = document.documentElement;
  html.lang = language;
  html.dir = RTL.has(language) ? 'rtl' : 'ltr';
}

export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ar: { translation: ar } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false }, // React escapes
  initAsync: false,
  returnNull: false,
});
applyToDocument(i18n.language as Language);
i18n.on('languageChanged', (language) => {
  if (!isLanguage(language)) return;
  applyToDocument(language);
  safeStorage()?.setItem(STORAGE_KEY, language);
});

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : 'en';
}
