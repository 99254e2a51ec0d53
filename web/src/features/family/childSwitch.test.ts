import { describe, expect, it } from "vitest";
import { childFromUrl, switchTarget } from "./childSwitch";

describe("child switch", () => {
  it("opens the same section for the other child", () => {
    expect(switchTarget("/c/a", "b")).toBe("/c/b");
    expect(switchTarget("/c/a/lessons", "b")).toBe("/c/b/lessons");
    expect(switchTarget("/c/a/money", "b")).toBe("/c/b/money");
    expect(switchTarget("/c/a/book", "b")).toBe("/c/b/book");
  });

  it("keeps the guardian's notifications open (they are the family's, not one child's)", () => {
    expect(switchTarget("/c/a/notifications", "b")).toBe("/c/b/notifications");
    expect(switchTarget("/c/a/notifications/settings", "b")).toBe("/c/b/notifications");
  });

  it("never carries one child's lesson page over to another child", () => {
    expect(switchTarget("/c/a/lessons/lesson-1", "b")).toBe("/c/b/lessons");
  });

  it("goes to the child's home from pages outside a child", () => {
    expect(switchTarget("/family/add-child", "b")).toBe("/c/b");
    expect(switchTarget("/c/a/unknown", "b")).toBe("/c/b");
  });

  it("escapes the id in the URL", () => {
    expect(switchTarget("/c/a", "x/y")).toBe("/c/x%2Fy");
  });

  it("finds only this family's children: another id is not found", () => {
    const kids = [{ id: "a" }, { id: "b" }];
    expect(childFromUrl(kids, "b")).toEqual({ id: "b" });
    expect(childFromUrl(kids, "someone-else")).toBeNull();
    expect(childFromUrl(kids, undefined)).toBeNull();
  });
});
