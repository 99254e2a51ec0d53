// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { MemoryRouter, Route, Routes, useNavigate, useParams, type NavigateFunction } from "react-router-dom";
import { Client, Provider, cacheExchange, gql, useQuery, type Exchange, type OperationResult } from "urql";
import { filter, fromPromise, merge, mergeMap, pipe } from "wonka";
import { describe, expect, it } from "vitest";
import { FreshPerRoute } from "./FreshPerRoute";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const LeadName = gql`query LeadName($id: ID!) { lead(id: $id) { id name } }`;

/** A server whose answers the test releases one by one. */
const waiting = new Map<string, (r: OperationResult) => void>();
const server: Exchange = ({ forward }) => (ops$) => {
  const queries$ = pipe(ops$, filter((op) => op.kind === "query"), mergeMap((op) => fromPromise(
    new Promise<OperationResult>((answer) => {
      const id = String((op.variables as { id?: string } | undefined)?.id);
      waiting.set(id, (r) => answer(r));
    }).then((r) => ({ ...r, operation: op })))));
  return merge([queries$, forward(pipe(ops$, filter((op) => op.kind !== "query")))]);
};
function answer(id: string) {
  const release = waiting.get(id);
  if (!release) throw new Error(`no request for ${id}`);
  waiting.delete(id);
  release({ data: { lead: { __typename: "Lead", id, name: `Lead ${id}` } }, hasNext: false, stale: false } as unknown as OperationResult);
}

let go: NavigateFunction = () => undefined;
function Card() {
  const { id = "" } = useParams();
  go = useNavigate();
  const [{ data }] = useQuery({ query: LeadName, variables: { id } });
  return <p data-testid="card">{data?.lead?.name ?? "loading"}</p>;
}

function render(fresh: boolean) {
  const host = document.createElement("div");
  const root = createRoot(host);
  const client = new Client({ url: "http://test/graphql", exchanges: [cacheExchange, server] });
  const page = fresh ? <FreshPerRoute><Card /></FreshPerRoute> : <Card />;
  act(() => root.render(
    <Provider value={client}>
      <MemoryRouter initialEntries={["/leads/a"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes><Route path="/leads/:id" element={page} /></Routes>
      </MemoryRouter>
    </Provider>));
  return { text: () => host.textContent, unmount: () => act(() => root.unmount()) };
}

async function settle(fn: () => void) {
  await act(async () => { fn(); await new Promise((r) => setTimeout(r, 0)); });
}

describe("FreshPerRoute", () => {
  it("shows no previous lead while the next one loads", async () => {
    const view = render(true);
    await settle(() => answer("a"));
    expect(view.text()).toBe("Lead a");
    await settle(() => go("/leads/b"));
    expect(view.text()).toBe("loading");
    await settle(() => answer("b"));
    expect(view.text()).toBe("Lead b");
    view.unmount();
  });

  it("is needed: urql alone keeps the previous lead on screen while the next loads", async () => {
    const view = render(false);
    await settle(() => answer("a"));
    await settle(() => go("/leads/b"));
    expect(view.text()).toBe("Lead a");
    await settle(() => answer("b"));
    view.unmount();
  });
});
