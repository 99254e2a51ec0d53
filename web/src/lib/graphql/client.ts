import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from "urql";
import type { Client as WsClient } from "graphql-ws";
import { accessToken, refresh } from "../session";
import { register, toWire, type WireRequest } from "./persisted";

/** Operations that start, renew or end a session: identity answers them with the refresh cookie. */
const SESSION_OPERATIONS = new Set([
  "SignInWithCode", "SignInWithPassword", "CompleteRegistration", "LinkRecords", "SetPassword",
  "RefreshSession", "SignOut", "AddChild",
]);

const GRAPHQL_PATH = "/graphql";

function hasCode(payload: unknown, code: string): boolean {
  const errors = (payload as { errors?: { extensions?: { code?: string } }[] } | null)?.errors;
  return Array.isArray(errors) && errors.some((e) => e.extensions?.code === code);
}

/** Milliseconds to wait before sending again: the answer's Retry-After (seconds), at most 5 s. */
function retryAfterMs(response: Response): number {
  const seconds = Number(response.headers.get("retry-after") ?? "1");
  return Math.min(Number.isFinite(seconds) && seconds >= 0 ? seconds : 1, 5) * 1000;
}

/** POST one operation as the gateway wants it: by hash, with the bearer token and the session header. */
export async function post(body: WireRequest, retry = true, overloaded = false): Promise<Response> {
  const wire = toWire(body);
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  const token = accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (wire.operationName && SESSION_OPERATIONS.has(wire.operationName)) headers["x-kabinet-session"] = "cookie";
  const response = await fetch(GRAPHQL_PATH, {
    method: "POST", headers, body: JSON.stringify(wire), credentials: "same-origin",
  });
  if (response.status === 503 && !overloaded) {
    // The gateway's queue was full: it refused before anything ran, so sending again once is safe, mutations too.
    const refused: unknown = await response.clone().json().catch(() => null);
    if (hasCode(refused, "GATEWAY_OVERLOADED")) {
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs(response)));
      return post(body, retry, true);
    }
  }
  if (!retry || !token || wire.operationName === "RefreshSession") return response;
  // An expired access token: refresh once, then send again (the answer is read from a clone).
  const copy = response.clone();
  const payload: unknown = await copy.json().catch(() => null);
  if (response.status === 401 || hasCode(payload, "UNAUTHENTICATED")) {
    const renewed = await refresh();
    if (renewed) return post(body, false, overloaded);
  }
  return response;
}

const fetchThroughPost: typeof fetch = async (_input, init) => {
  const body = JSON.parse(String(init?.body ?? "{}")) as WireRequest;
  return post(body);
};

let live: Promise<typeof import("./live")> | null = null;
function loadLive(): Promise<typeof import("./live")> {
  live ??= import("./live").catch((error: unknown) => {
    live = null; // offline when it was first needed: the next subscription tries again
    throw error;
  });
  return live;
}

/** Close the live connection (signing out, or a new session whose token it should carry). */
export function resetLive(): void {
  void live?.then((m) => m.closeLive());
}

export function createGraphQLClient(): Client {
  return new Client({
    url: GRAPHQL_PATH,
    fetch: fetchThroughPost,
    requestPolicy: "cache-and-network",
    exchanges: [
      // every document the app sends passes here first: its hash is known by its operation's name (toWire)
      mapExchange({ onOperation: (operation) => register(operation.query) }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const payload = toWire({
            query: request.query ?? undefined,
            operationName: request.operationName ?? undefined,
            variables: request.variables as Record<string, unknown> | undefined,
          });
          return {
            subscribe(sink) {
              let unsubscribe: (() => void) | null = null;
              let cancelled = false;
              void loadLive().then((m) => {
                if (cancelled) return;
                const query = m.subscriptionText(payload.documentId, request.query ?? "");
                unsubscribe = m.liveClient(GRAPHQL_PATH).subscribe(
                  { ...payload, query } as Parameters<WsClient["subscribe"]>[0],
                  sink as Parameters<WsClient["subscribe"]>[1],
                );
              }, (error: unknown) => sink.error(error));
              return {
                unsubscribe() {
                  cancelled = true;
                  unsubscribe?.();
                },
              };
            },
          };
        },
      }),
    ],
  });
}
