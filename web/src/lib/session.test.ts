import { afterEach, describe, expect, it, vi } from "vitest";
import { cabinetOf, cabinetOfPath, getSession, refresh, setRefresher, setSession, Unreachable } from "./session";

const signedIn = { accessToken: "a", expiresIn: 45, role: "teacher", staffId: "s1" };

afterEach(() => {
  setSession(null);
  vi.useRealTimers();
});

describe("refresh", () => {
  it("keeps the session while the server cannot be reached (a teacher offline), and tries again", async () => {
    vi.useFakeTimers();
    setSession(signedIn);
    const refresher = vi.fn().mockRejectedValueOnce(new Unreachable())
      .mockResolvedValueOnce({ ...signedIn, accessToken: "b" });
    setRefresher(refresher);
    expect(await refresh()).toMatchObject({ accessToken: "a" });
    expect(getSession()?.accessToken).toBe("a");
    await vi.advanceTimersByTimeAsync(5_000);
    expect(refresher).toHaveBeenCalledTimes(2);
    expect(getSession()?.accessToken).toBe("b");
  });

  it("ends the session when the server refuses the refresh token, or fails otherwise", async () => {
    setSession(signedIn);
    setRefresher(async () => null);
    expect(await refresh()).toBeNull();
    expect(getSession()).toBeNull();
    setSession(signedIn);
    setRefresher(async () => { throw new Error("broken"); });
    expect(await refresh()).toBeNull();
    expect(getSession()).toBeNull();
  });

  it("a page load with no session stays signed out when offline", async () => {
    setRefresher(async () => { throw new Unreachable(); });
    expect(await refresh()).toBeNull();
    expect(getSession()).toBeNull();
  });
});

describe("cabinetOf", () => {
  it("gives teachers the teacher's cabinet, admins and the owner the admin's, everyone else the family's", () => {
    expect(["teacher", "branch_admin", "owner"].map((role) => cabinetOf({ role }))).toEqual(["teacher", "admin", "admin"]);
    expect(["guardian", "student", "anonymous", "constructor"].map((role) => cabinetOf({ role })))
      .toEqual(["family", "family", "family", "family"]);
    expect(cabinetOf(null)).toBe("family");
  });

  it("tells an address's cabinet by its first segment only", () => {
    expect(["/t", "/t/lessons/1", "/t?x=1", "/a", "/a/clients/f1", "/a?month=2027-01"].map(cabinetOfPath))
      .toEqual(["teacher", "teacher", "teacher", "admin", "admin", "admin"]);
    expect(["/", "/c/a1", "/about", "/tea", "/admin"].map(cabinetOfPath))
      .toEqual(["family", "family", "family", "family", "family"]);
  });
});
