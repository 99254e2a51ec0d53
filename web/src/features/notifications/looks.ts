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

/** While the list is open, how often it reads its newest page again: lesson notices (scheduled, moved,
 * cancelled) come with no event to the cabinet, and a busy identity may record a notice after the looks. */
export const LIST_POLL_MS = 30_000;

/** Call `look` every `ms` while the page is visible (a hidden tab asks nothing). */
export function usePoll(ms: number, look: () => void): void {
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") look();
    }, ms);
    return () => clearInterval(timer);
  }, [ms, look]);
}
