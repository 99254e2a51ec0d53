// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { I18nProvider, loadLocale, translate, useI18n, type Locale } from "./index";

type I18nModule = typeof import("./index");

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// Every text the probe showed, in order: a flash of another language or of a bare key would be among them.
const shown: string[] = [];
let choose: (locale: Locale) => void = () => undefined;

function Probe({ i18n = useI18n }: { i18n?: I18nModule["useI18n"] }) {
  const { t, setLocale } = i18n();
  choose = setLocale;
  shown.push(t("common.cancel"));
  return <p>{t("common.cancel")}</p>;
}

const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 20)));

describe("English is loaded on demand", () => {
  const host = document.createElement("div");
  document.body.appendChild(host);
  const root = createRoot(host);
  afterEach(() => {
    act(() => root.render(<></>));
    shown.length = 0;
    localStorage.clear();
  });

  // First: nothing in this file has loaded English yet.
  it("is not in the first chunk: before it is loaded, English falls back to Russian, never to a bare key", async () => {
    expect(translate("en", "common.cancel")).toBe("Отмена");
    await loadLocale("en");
    expect(translate("en", "common.cancel")).toBe("Cancel");
  });

  it("shows a remembered English from the first paint: no Russian, no keys before it", async () => {
    localStorage.setItem("kabinet.locale", "en");
    // a page just opened: its own copy of the module, English not loaded yet
    vi.resetModules();
    const fresh: I18nModule = await import("./index");
    act(() => root.render(<fresh.I18nProvider><Probe i18n={fresh.useI18n} /></fresh.I18nProvider>));
    await settle();
    expect(host.textContent).toBe("Cancel");
    expect(new Set(shown)).toEqual(new Set(["Cancel"]));
    expect(document.documentElement.lang).toBe("en");
  });

  it("switches to English and back; the last choice wins when two are made quickly", async () => {
    act(() => root.render(<I18nProvider><Probe /></I18nProvider>));
    expect(host.textContent).toBe("Отмена");
    act(() => choose("en"));
    await settle();
    expect(host.textContent).toBe("Cancel");
    expect(localStorage.getItem("kabinet.locale")).toBe("en");
    act(() => choose("ru"));
    expect(host.textContent).toBe("Отмена");
    act(() => {
      choose("en");
      choose("ru");
    });
    await settle();
    expect(host.textContent).toBe("Отмена");
    expect(localStorage.getItem("kabinet.locale")).toBe("ru");
    expect(document.documentElement.lang).toBe("ru");
    expect(shown.every((text) => text === "Отмена" || text === "Cancel")).toBe(true);
  });
});
