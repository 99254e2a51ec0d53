import { beforeAll, describe, expect, it } from "vitest";
import { describeError } from "./errors";
import { loadLocale, translate, type Translate } from "./i18n";

const ru: Translate = (key, params) => translate("ru", key, params);
const en: Translate = (key, params) => translate("en", key, params);
beforeAll(() => loadLocale("en"));

const wrong = { code: "INVALID_CODE", message: "The code is wrong: 2 tries left." };

describe("sign-in code errors", () => {
  it("says how many tries are left after a wrong code, in each language's plural", () => {
    expect(describeError(en, wrong, 2)).toBe("Wrong code. 2 tries left.");
    expect(describeError(en, wrong, 1)).toBe("Wrong code. 1 try left.");
    expect(describeError(ru, wrong, 1)).toBe("Неверный код. Осталась 1 попытка.");
    expect(describeError(ru, wrong, 4)).toBe("Неверный код. Осталось 4 попытки.");
  });

  it("tells a locked or spent code apart from a wrong one", () => {
    expect(describeError(en, { code: "CODE_LOCKED", message: "" })).toBe(en("error.CODE_LOCKED"));
    expect(describeError(en, wrong)).toBe(en("error.INVALID_CODE"));
  });
});

describe("payload error codes", () => {
  it("has its own words for a service's code in both languages, not the server's English", () => {
    const refused = { code: "INSUFFICIENT_FUNDS", message: "The family's balance and credit limit do not cover this charge." };
    expect(describeError(ru, refused)).toBe("На семейном балансе недостаточно средств.");
    expect(describeError(en, refused)).toBe("The family balance is not enough for this.");
    expect(describeError(ru, { code: "STALE_REVISION", message: "" })).toBe(ru("error.STALE_REVISION"));
  });

  it("falls back to the server's message for a code it does not know (never an inherited property)", () => {
    expect(describeError(en, { code: "SOMETHING_NEW", message: "Server words." })).toBe("Server words.");
    expect(describeError(en, { code: "toString", message: "Server words." })).toBe("Server words.");
  });
});
