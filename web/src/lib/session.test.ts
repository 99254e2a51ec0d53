import { afterEach, describe, expect, it, vi } from "vitest";
import { getSession, isStaff, refresh, setRefresher, setSession, Unreachable } from "./session";

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

describe("isStaff", () => {
  it("sends teachers, admins and the owner to the teacher's cabinet, everyone else to the family's", () => {
    expect(["teacher", "branch_admin", "owner"].map((role) => isStaff({ role }))).toEqual([true, true, true]);
    expect(["guardian", "student", "anonymous"].map((role) => isStaff({ role }))).toEqual([false, false, false]);
    expect(isStaff(null)).toBe(false);
  });
});
