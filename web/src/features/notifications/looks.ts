import { useEffect } from "react";

/**
 * Identity records a notice from the same event that the cabinet's subscription reports, on its own time: on an
 * event, look at once and again a little later (a notice recorded just after the event arrived is then shown).
 */
export const LOOKS_MS: readonly number[] = [0, 3_000, 10_000];

/** Call `look` on each of LOOKS_MS after `stamp` changes (not at all while it is null). */
export function useLooksAfter(stamp: string | null, look: () => void): void {
  useEffect(() => {
    if (!stamp) return;
    const timers = LOOKS_MS.map((ms) => setTimeout(look, ms));
    return () => timers.forEach(clearTimeout);
  }, [stamp, look]);
}
