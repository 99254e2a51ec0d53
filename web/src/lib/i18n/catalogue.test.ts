import { beforeAll, describe, expect, it } from "vitest";
import { loadLocale, translate } from "./index";
import { en } from "./en";
import { ru } from "./ru";

describe("message catalogues", () => {
  beforeAll(() => loadLocale("en"));

  it("English has every Russian message (plural forms English lacks aside)", () => {
    const missing = Object.keys(ru).filter((k) => !/_(few|many)$/.test(k) && !(k in en));
    expect(missing).toEqual([]);
  });

  it("picks Russian plural forms", () => {
    expect(translate("ru", "family.booked", { count: 1 })).toBe("1 забронированный урок");
    expect(translate("ru", "family.booked", { count: 3 })).toBe("3 забронированных урока");
    expect(translate("ru", "family.booked", { count: 5 })).toBe("5 забронированных уроков");
    expect(translate("ru", "family.booked", { count: 0 })).toBe("0 забронированных уроков");
    expect(translate("ru", "family.booked", { count: 11 })).toBe("11 забронированных уроков");
    expect(translate("ru", "family.booked", { count: 21 })).toBe("21 забронированный урок");
    expect(translate("ru", "family.booked", { count: 22 })).toBe("22 забронированных урока");
    expect(translate("en", "family.booked", { count: 0 })).toBe("0 booked lessons");
    expect(translate("en", "family.booked", { count: 1 })).toBe("1 booked lesson");
    expect(translate("en", "family.booked", { count: 2 })).toBe("2 booked lessons");
  });
});
