/**
 * The signed-in session. The access token lives only in this module (memory); the refresh token is an
 * HttpOnly cookie set by identity (docs/web-serving.md), so JavaScript never sees it. Where a gateway still
 * returns the refresh token in the body, it is kept here in memory too (never in storage).
 */

export interface SessionData {
  accessToken: string;
  refreshToken?: string | null;
  expiresIn: number;
  role: string;
  familyId?: string | null;
  /** Staff (a teacher, an admin, the owner): their staff record; the teacher's cabinet is theirs. */
  staffId?: string | null;
  /** The family's children in the cabinet's order: after sign-in the app opens the first one's home at once. */
  studentIds?: readonly string[];
}

/** Which cabinet a signed-in role gets: teachers the teacher's (`/t`), branch admins and the owner the admin's
 * (`/a`), everyone else the family's (`/`). Each cabinet is its role's only. */
export type CabinetKind = "family" | "teacher" | "admin";

// A Map, not an object: a role named like an Object.prototype key ("constructor") must not match.
const CABINET_OF_ROLE = new Map<string, CabinetKind>([["teacher", "teacher"], ["branch_admin", "admin"], ["owner", "admin"]]);

export function cabinetOf(session: Pick<SessionData, "role"> | null | undefined): CabinetKind {
  return (session && CABINET_OF_ROLE.get(session.role)) ?? "family";
}

/** Where a cabinet starts; its addresses are this prefix (the family's are every other one). */
export const CABINET_HOME: Record<Exclude<CabinetKind, "family">, string> = { teacher: "/t", admin: "/a" };

/** The cabinet an address belongs to. */
export function cabinetOfPath(path: string): CabinetKind {
  if (/^\/t(\/|$|\?)/.test(path)) return "teacher";
  if (/^\/a(\/|$|\?)/.test(path)) return "admin";
  return "family";
}

/** Thrown by a refresher that could not reach the server: the session is kept and the refresh tried again. */
export class Unreachable extends Error {}

/** Resolves to the new session, or null when the server refused the refresh token (the session is over). */
type Refresher = (refreshToken: string | null) => Promise<SessionData | null>;
type Listener = (session: SessionData | null) => void;

let current: SessionData | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let refresher: Refresher | null = null;
let pending: Promise<SessionData | null> | null = null;
const listeners = new Set<Listener>();

const REFRESH_AHEAD_S = 10;
const RETRY_UNREACHABLE_MS = 5_000;

export function setRefresher(fn: Refresher): void {
  refresher = fn;
}

export function getSession(): SessionData | null {
  return current;
}

export function accessToken(): string | null {
  return current?.accessToken ?? null;
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setSession(session: SessionData | null): void {
  const keepRefresh = session && !session.refreshToken ? current?.refreshToken : undefined;
  current = session ? { ...session, refreshToken: session.refreshToken ?? keepRefresh ?? null } : null;
  if (timer) clearTimeout(timer);
  if (current) {
    const inMs = Math.max(1, current.expiresIn - REFRESH_AHEAD_S) * 1000;
    timer = setTimeout(() => void refresh(), inMs);
  }
  for (const listener of listeners) listener(current);
}

/** Trade the refresh cookie (or the in-memory token) for a new session; concurrent callers share one call. */
export function refresh(): Promise<SessionData | null> {
  if (!refresher) return Promise.resolve(null);
  if (!pending) {
    const fn = refresher;
    pending = fn(current?.refreshToken ?? null)
      .then((session) => {
        setSession(session);
        return session;
      }, (error: unknown) => {
        // Offline (a teacher's phone in a basement classroom): keep the session and try again, rather than
        // signing out a page that holds marks not sent yet. Any other failure ends the session as before.
        if (!(error instanceof Unreachable) || !current) {
          setSession(null);
          return null;
        }
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void refresh(), RETRY_UNREACHABLE_MS);
        return current;
      })
      .finally(() => {
        pending = null;
      });
  }
  return pending;
}
