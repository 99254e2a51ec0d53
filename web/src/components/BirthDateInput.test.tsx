// @vitest-environment jsdom
import { act, useState } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { EMPTY_DATE, type DateParts } from "../lib/birthdate";
import { I18nProvider } from "../lib/i18n";
import { BirthDateInput } from "./BirthDateInput";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let seen: DateParts = EMPTY_DATE;

function Form() {
  const [value, setValue] = useState<DateParts>(EMPTY_DATE);
  seen = value;
  return <BirthDateInput value={value} onChange={setValue} legend="Дата рождения" />;
}

function type(input: HTMLInputElement, text: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
  setter?.call(input, text);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("BirthDateInput", () => {
  const host = document.createElement("div");
  document.body.appendChild(host);
  const root = createRoot(host);
  afterEach(() => act(() => root.render(<></>)));

  it("shows three empty fields and fills in nothing when one is typed", () => {
    act(() => root.render(<I18nProvider><Form /></I18nProvider>));
    const field = (name: string) => host.querySelector<HTMLInputElement>(`input[name=${name}]`)!;
    const day = field("birth-day"), month = field("birth-month"), year = field("birth-year");
    expect([day.value, month.value, year.value]).toEqual(["", "", ""]);
    act(() => type(day, "12"));
    expect(seen).toEqual({ day: "12", month: "", year: "" });
    expect([month.value, year.value]).toEqual(["", ""]);
    act(() => type(month, "5"));
    expect(seen).toEqual({ day: "12", month: "5", year: "" });
    expect(year.value).toBe("");
  });

  it("accepts digits only, up to the field's length", () => {
    act(() => root.render(<I18nProvider><Form /></I18nProvider>));
    const year = host.querySelector<HTMLInputElement>("input[name=birth-year]")!;
    act(() => type(year, "20a14x9"));
    expect(seen.year).toBe("2014");
    expect(year.value).toBe("2014");
  });
});
