import { afterEach, describe, expect, it, vi } from "vitest";
import { stub } from "../../../scripts/vite-documents";
import { createGraphQLClient, post } from "./client";

const overloaded = () =>
  new Response(JSON.stringify({ errors: [{ message: "busy", extensions: { code: "GATEWAY_OVERLOADED" } }] }), {
    status: 503, headers: { "retry-after": "0", "content-type": "application/json" },
  });
const answered = () => new Response(JSON.stringify({ data: { ok: true } }), { status: 200 });

afterEach(() => vi.unstubAllGlobals());

describe("post", () => {
  it("sends again once when the gateway refused before running anything (queue full)", async () => {
    const fetch = vi.fn().mockResolvedValueOnce(overloaded()).mockResolvedValueOnce(answered());
    vi.stubGlobal("fetch", fetch);
    const response = await post({ query: "mutation Pay { pay }", operationName: "Pay" });
    expect(response.status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("gives up after one more refusal, and never re-sends another 503", async () => {
    const fetch = vi.fn().mockResolvedValueOnce(overloaded()).mockResolvedValueOnce(overloaded());
    vi.stubGlobal("fetch", fetch);
    expect((await post({ query: "{ a }" })).status).toBe(503);
    expect(fetch).toHaveBeenCalledTimes(2);

    const down = new Response(
      JSON.stringify({ errors: [{ message: "down", extensions: { code: "SERVICE_UNAVAILABLE" } }] }), { status: 503 });
    const once = vi.fn().mockResolvedValueOnce(down);
    vi.stubGlobal("fetch", once);
    expect((await post({ query: "mutation Pay { pay }", operationName: "Pay" })).status).toBe(503);
    expect(once).toHaveBeenCalledTimes(1);
  });
});

describe("documents on the wire", () => {
  const sent = () => {
    const fetch = vi.fn().mockImplementation(async () => answered());
    vi.stubGlobal("fetch", fetch);
    return () => fetch.mock.calls.map(([, init]) => JSON.parse(String((init as RequestInit).body)) as Record<string, unknown>);
  };

  it("go by their hash though no module registered every document first", async () => {
    const bodies = sent();
    const { FamilyMoney } = await import("../../features/money/api/operations");
    const client = createGraphQLClient();
    await client.query(FamilyMoney, {}).toPromise();
    const hash = (FamilyMoney as { __meta__?: { hash?: string } }).__meta__?.hash;
    expect(bodies()).toEqual([expect.objectContaining({ documentId: hash, operationName: "FamilyMoney" })]);
  });

  it("go by their hash as a production build ships them (no text: the kind, the name and the hash)", async () => {
    const bodies = sent();
    const { FamilyMoneyDocument, StatementPageDocument } = await import("../../gql/graphql");
    const client = createGraphQLClient();
    const money = stub(FamilyMoneyDocument) as typeof FamilyMoneyDocument;
    const page = stub(StatementPageDocument) as typeof StatementPageDocument;
    await client.query(money, {}).toPromise();
    await client.query(page, { after: "x" }).toPromise();
    expect(bodies().map((b) => [b.documentId, b.operationName])).toEqual([
      [(money as { documentId?: string }).documentId, "FamilyMoney"],
      [(page as { documentId?: string }).documentId, "StatementPage"],
    ]);
  });
});
