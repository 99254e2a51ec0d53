import { describe, expect, it } from "vitest";
import { describeError } from "./errors";
import { translate, type Translate } from "./i18n";

const ru: Translate = (key, params) => translate("ru", key, params);
const en: Translate = (key, params) => translate("en", key, params);
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
