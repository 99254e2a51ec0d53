// Serves @apollo/gateway (with @apollo/server) on 127.0.0.1 for Kabinet's parity tests and benchmarks.
// Input: env SUBGRAPHS='{"name": "http://127.0.0.1:port/graphql", ...}' (composed with IntrospectAndCompose)
//        or SUPERGRAPH_FILE=path (a @join__ supergraph SDL); PORT (0 = pick a free one);
//        SUBGRAPH_HEADERS='{"header": "value"}' sent on every subgraph request (e.g. Kabinet's gateway secret).
// Output: one JSON line on stdout once it listens: {"url": "http://127.0.0.1:PORT/graphql"}.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";

const subgraphs = JSON.parse(process.env.SUBGRAPHS ?? "{}");
const supergraphFile = process.env.SUPERGRAPH_FILE;
const subgraphHeaders = JSON.parse(process.env.SUBGRAPH_HEADERS ?? "{}");

class ForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    for (const [name, value] of Object.entries(subgraphHeaders)) request.http.headers.set(name, value);
    const auth = context?.authorization;
    if (auth) request.http.headers.set("authorization", auth);
  }
}

const gateway = new ApolloGateway({
  ...(supergraphFile
    ? { supergraphSdl: readFileSync(supergraphFile, "utf8") }
    : {
        supergraphSdl: new IntrospectAndCompose({
          subgraphs: Object.entries(subgraphs).map(([name, url]) => ({ name, url })),
          introspectionHeaders: subgraphHeaders,
        }),
      }),
  buildService: ({ url }) => new ForwardingDataSource({ url }),
  logger: { debug() {}, info() {}, warn: (m) => console.error(m), error: (m) => console.error(m) },
});

const server = new ApolloServer({
  gateway,
  introspection: true,
  includeStacktraceInErrorResponses: false,
  csrfPrevention: false,
});
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(process.env.PORT ?? 0) },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
process.stdout.write(JSON.stringify({ url: new URL("/graphql", url).toString() }) + "\n");
