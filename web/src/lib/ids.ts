/** A fresh idempotency key: one per action the user starts, so a retry of that action sends the same one. */
export function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : String(Math.random());
}
