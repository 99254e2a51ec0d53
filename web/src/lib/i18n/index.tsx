import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ru, type MessageKey } from "./ru";

/**
 * A small own i18n: two catalogues, `{name}` placeholders, plural forms by Intl.PluralRules. Russian, the default,
 * is in the first chunk; English is its own chunk, loaded when chosen (or remembered) and shown only once loaded.
 */
export type Locale = "ru" | "en";
export type { MessageKey };
type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;
type Catalogue = Partial<Record<MessageKey, string>>;

const catalogues: Partial<Record<Locale, Catalogue>> = { ru };
const loading = new Map<Locale, Promise<void>>();
const STORAGE_KEY = "kabinet.locale";

/** Load a locale's catalogue (once; a failed load is tried again on the next call). */
export function loadLocale(locale: Locale): Promise<void> {
  if (catalogues[locale]) return Promise.resolve();
  let pending = loading.get(locale);
  // Russian is always there: English is the one catalogue loaded on demand
  if (!pending) {
    pending = import("./en").then(
      (m) => { catalogues.en = m.en; },
      (error: unknown) => { loading.delete(locale); throw error; },
    );
    loading.set(locale, pending);
  }
  return pending;
}

function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Translate in a locale; `params.count` picks the plural form `key_one|few|many|other` when it exists. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  // a catalogue not loaded yet: Russian (with its plural rules), never a bare key
  const shown = catalogues[locale] ? locale : "ru";
  const catalogue = catalogues[shown] ?? ru;
  if (params && typeof params.count === "number") {
    const form = new Intl.PluralRules(shown).select(params.count);
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

function remember(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // not remembered: fine
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [saved] = useState(initialLocale);
  // The locale shown; null while a remembered English loads at start (nothing is shown rather than Russian first).
  const [locale, setShown] = useState<Locale | null>(() => (catalogues[saved] ? saved : null));
  // The last choice: a load that finishes after another choice does not switch the page.
  const wanted = useRef<Locale>(saved);
  const show = useCallback((next: Locale) => {
    wanted.current = next;
    if (catalogues[next]) {
      setShown(next);
      remember(next);
      return;
    }
    loadLocale(next).then(
      () => {
        if (wanted.current !== next) return;
        setShown(next);
        remember(next);
      },
      // offline, say: the page stays in the language it shows (Russian at start)
      () => setShown((current) => current ?? "ru"),
    );
  }, []);
  useEffect(() => {
    if (!catalogues[saved]) show(saved);
  }, [saved, show]);
  const value = useMemo<I18n | null>(
    () => locale && { locale, setLocale: show, t: (key, params) => translate(locale, key, params) },
    [locale, show],
  );
  if (!value) return null;
  document.documentElement.lang = value.locale;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
