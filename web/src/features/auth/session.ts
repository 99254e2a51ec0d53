import type { Client } from "urql";
import { resetLive } from "../../lib/graphql/client";
import { getSession, setRefresher, setSession, Unreachable, type SessionData } from "../../lib/session";
import { RefreshSession, SignOut } from "./api/operations";

/** Wire the session module to the API: refresh by the cookie (or the in-memory token), sign out. */
export function installRefresher(client: Client): void {
  setRefresher(async (refreshToken) => {
    const result = await client
      .mutation(RefreshSession, { refreshToken: refreshToken ?? "" }, { requestPolicy: "network-only" })
      .toPromise();
    if (result.error?.networkError) throw new Unreachable();
    const session = result.data?.refreshSession.session;
    return session ? toSession(session) : null;
  });
}

export function toSession(session: {
  accessToken: string; refreshToken?: string | null; expiresIn: number; role: string; familyId?: string | null;
  staffId?: string | null; studentIds?: readonly string[];
}): SessionData {
  return { ...session };
}

export function startSession(session: SessionData): void {
  resetLive();
  setSession(session);
}

export async function signOut(client: Client): Promise<void> {
  const token = getSession()?.refreshToken ?? "";
  try {
    await client.mutation(SignOut, { refreshToken: token }).toPromise();
  } finally {
    resetLive();
    setSession(null);
  }
}
