import { createContext, useCallback, useContext, useEffect, useMemo, useSyncExternalStore } from "react";
import { useClient } from "urql";
import { fromCombined } from "../../lib/errors";
import { SaveLessonSheet } from "./api/operations";
import { SheetOutbox, type OutboxEntry, type Transport } from "./outbox";

const boxes = new Map<string, SheetOutbox>();

function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage off (private mode): the outbox keeps sheets in memory
  }
}

/** One outbox per signed-in staff member, for the page's life (its sheets live in localStorage). */
export function outboxFor(owner: string): SheetOutbox {
  let box = boxes.get(owner);
  if (!box) {
    box = new SheetOutbox(localStore(), owner);
    boxes.set(owner, box);
  }
  return box;
}

export const OutboxCtx = createContext<SheetOutbox | null>(null);

export function useOutbox(): SheetOutbox {
  const box = useContext(OutboxCtx);
  if (!box) throw new Error("useOutbox outside the teacher's cabinet");
  return box;
}

/** The entries kept on this phone, re-read whenever the outbox changes. */
export function useOutboxEntries(box: SheetOutbox): OutboxEntry[] {
  const version = useSyncExternalStore(box.subscribe, box.snapshot, box.snapshot);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- version is the outbox's change counter
  return useMemo(() => box.all(), [box, version]);
}

export function useOutboxEntry(box: SheetOutbox, lessonId: string): OutboxEntry | null {
  const version = useSyncExternalStore(box.subscribe, box.snapshot, box.snapshot);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- version is the outbox's change counter
  return useMemo(() => box.get(lessonId), [box, lessonId, version]);
}

const subscribeOnline = (listener: () => void) => {
  window.addEventListener("online", listener);
  window.addEventListener("offline", listener);
  return () => {
    window.removeEventListener("online", listener);
    window.removeEventListener("offline", listener);
  };
};

export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine, () => true);
}

/** saveLessonSheet through the app's client; "unreachable" when the phone is offline or the answer is lost. */
export function useSheetTransport(): Transport {
  const client = useClient();
  return useCallback<Transport>(async (input) => {
    if (!navigator.onLine) return { kind: "unreachable" };
    const result = await client.mutation(SaveLessonSheet, { input }, { requestPolicy: "network-only" }).toPromise();
    if (result.error?.networkError) return { kind: "unreachable" };
    const payload = result.data?.saveLessonSheet;
    if (payload?.sheet && payload.errors.length === 0) return { kind: "saved", sheet: payload.sheet };
    if (payload?.errors.length) return { kind: "errors", errors: payload.errors };
    const error = fromCombined(result.error);
    return error ? { kind: "errors", errors: [error] } : { kind: "unreachable" };
  }, [client]);
}

const RETRY_MS = 30_000;

/** Send the sheets kept on this phone: now, whenever the network comes back, and every 30 s while some wait. */
export function useFlushKept(box: SheetOutbox, transport: Transport): void {
  const entries = useOutboxEntries(box);
  const waiting = entries.some((e) => e.state === "pending");
  useEffect(() => {
    const flush = () => void box.flush(transport);
    flush();
    window.addEventListener("online", flush);
    const timer = waiting ? setInterval(flush, RETRY_MS) : undefined;
    return () => {
      window.removeEventListener("online", flush);
      if (timer) clearInterval(timer);
    };
  }, [box, transport, waiting]);
}
