// Serves @graphql-hive/gateway (its runtime on node:http) on 127.0.0.1 for Kabinet's benchmarks.
// Input: env SUPERGRAPH_FILE=path (a @join__ supergraph SDL); PORT (0 = pick a free one).
// In-flight request deduplication is off (the default; set explicitly), so every request is executed.
// HIVE_ROUTER_RUNTIME=1: plan with Hive Router's Rust query planner (@graphql-hive/router-runtime) instead of the
// default JavaScript (stitching) runtime.
// Output: one JSON line on stdout once it listens: {"url": "http://127.0.0.1:PORT/graphql"}.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";

const sdl = readFileSync(process.env.SUPERGRAPH_FILE, "utf8");
const routerRuntime = ["1", "true"].includes(process.env.HIVE_ROUTER_RUNTIME ?? "");
const extra = routerRuntime
  ? { unifiedGraphHandler: (await import("@graphql-hive/router-runtime")).unifiedGraphHandler }
  : {};
const gateway = createGatewayRuntime({
  ...extra,
  supergraph: () => sdl,
  inboundInflightRequestDeduplication: false,
  graphqlEndpoint: "/graphql",
  landingPage: false,
  logging: "error",
});
const server = createServer(gateway);
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}/graphql` }) + "\n");
});
