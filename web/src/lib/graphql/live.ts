import { createClient, type Client } from "graphql-ws";
import texts from "virtual:subscription-texts";
import { accessToken } from "../session";

/**
 * The live connection (graphql-ws) and the subscriptions' texts: their own chunk, loaded with the first
 * subscription (a family's cabinet opens one at once; sign-in and the staff's cabinets never do).
 */
let ws: Client | null = null;

export function liveClient(path: string): Client {
  if (!ws) {
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;
    ws = createClient({
      url,
      lazy: true,
      retryAttempts: 20,
      connectionParams: () => {
        const token = accessToken();
        return token ? { Authorization: `Bearer ${token}` } : {};
      },
    });
  }
  return ws;
}

export function closeLive(): void {
  ws?.dispose();
  ws = null;
}

/**
 * graphql-ws requires a `query` string in every subscribe message, so a subscription carries the exact text of
 * its trusted document next to its documentId (a production build has no other text of it).
 */
export function subscriptionText(documentId: string | undefined, fallback: string): string {
  return (documentId && texts[documentId]) || fallback;
}
