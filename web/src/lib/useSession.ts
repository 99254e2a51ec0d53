import { useSyncExternalStore } from "react";
import { getSession, subscribe, type SessionData } from "./session";

export function useSession(): SessionData | null {
  return useSyncExternalStore(subscribe, getSession, getSession);
}
