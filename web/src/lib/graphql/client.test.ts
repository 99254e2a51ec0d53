import { afterEach, describe, expect, it, vi } from "vitest";
import { post } from "./client";

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
