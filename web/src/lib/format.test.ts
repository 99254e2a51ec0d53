import { describe, expect, it } from "vitest";
import { formatDateTime, formatLocalDate, formatMoney, formatMonth, formatTime, zonedDate } from "./format";

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("money", () => {
  it("formats roubles for Russian: space groups, comma decimals, the sign", () => {
    expect(nbsp(formatMoney({ amount: "1200.00", currency: "RUB" }, "ru"))).toBe("1 200 ₽");
    expect(nbsp(formatMoney({ amount: "-72700.50", currency: "RUB" }, "ru"))).toBe("-72 700,50 ₽");
    expect(nbsp(formatMoney({ amount: "1200.00", currency: "RUB" }, "ru", { sign: true }))).toBe("+1 200 ₽");
  });

  it("formats the branch's currency in English", () => {
    expect(nbsp(formatMoney({ amount: "1200.5", currency: "RUB" }, "en"))).toBe("RUB 1,200.50");
    expect(nbsp(formatMoney({ amount: "99", currency: "EUR" }, "en"))).toBe("€99");
  });

  it("keeps a decimal string exact to the kopeck", () => {
    expect(nbsp(formatMoney({ amount: "0.10", currency: "RUB" }, "ru"))).toBe("0,10 ₽");
  });
});

describe("dates in the branch's time zone", () => {
  const iso = "2026-12-07T14:00:00+00:00";

  it("shows a lesson at the branch's local time, whatever the device's zone", () => {
    expect(formatTime(iso, "ru", "Europe/Moscow")).toBe("17:00");
    expect(formatTime(iso, "ru", "Asia/Yekaterinburg")).toBe("19:00");
    expect(formatTime(iso, "ru", "Europe/Kaliningrad")).toBe("16:00");
    expect(nbsp(formatDateTime(iso, "ru", "Europe/Moscow"))).toBe("пн, 7 дек., 17:00");
  });

  it("puts a late-evening lesson on the branch's calendar day", () => {
    expect(zonedDate("2026-12-07T20:30:00Z", "Europe/Moscow")).toBe("2026-12-07");
    expect(zonedDate("2026-12-07T21:30:00Z", "Europe/Moscow")).toBe("2026-12-08");
    expect(zonedDate("2026-12-07T21:30:00Z", "Europe/Kaliningrad")).toBe("2026-12-07");
  });

  it("formats calendar dates and months without shifting the day", () => {
    expect(formatLocalDate("2014-05-12", "ru")).toBe("12 мая");
    expect(formatLocalDate("2014-05-12", "en")).toBe("12 May");
    expect(formatMonth(2026, 12, "ru")).toBe("Декабрь 2026");
    expect(formatMonth(2026, 12, "en")).toBe("December 2026");
  });
});
