import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { en } from "./en";
import { ru, type MessageKey } from "./ru";

/** A small own i18n: two catalogues, `{name}` placeholders, plural forms by Intl.PluralRules. */
export type Locale = "ru" | "en";
export type { MessageKey };
type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

const catalogues: Record<Locale, Partial<Record<MessageKey, string>>> = { ru, en };
const STORAGE_KEY = "kabinet.locale";

function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Translate in a locale; `params.count` picks the plural form `key_one|few|many|other` when it exists. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const catalogue = catalogues[locale];
  if (params && typeof params.count === "number") {
    const form = new Intl.PluralRules(locale).select(params.count);
    const plural = (catalogue as Record<string, string>)[`${key}_${form}`];
    if (plural) return interpolate(plural, params);
  }
  return interpolate(catalogue[key] ?? ru[key] ?? key, params);
}

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "ru" || saved === "en") return saved;
  } catch {
    // storage may be off (private mode): Russian, the default
  }
  return "ru";
}

interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    document.documentElement.lang = next;
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // not remembered: fine
    }
  }, []);
  const value = useMemo<I18n>(
    () => ({ locale, setLocale, t: (key, params) => translate(locale, key, params) }),
    [locale, setLocale],
  );
  document.documentElement.lang = locale;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
