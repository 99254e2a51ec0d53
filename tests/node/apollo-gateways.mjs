// Serves one @apollo/gateway (behind @apollo/server) per supergraph case, all in one Node process, for the
// differential federation corpus (gateway/tests/kabinet_gateway_tests/test_federation_cases.py).
// Input: env CASES='{"case": {"subgraph": "http://127.0.0.1:port/case__subgraph/graphql", ...}, ...}'.
// Output: one JSON line on stdout: {"urls": {"case": "http://127.0.0.1:PORT/graphql"}, "errors": {"case": "..."}}.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";

const cases = JSON.parse(process.env.CASES ?? "{}");
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const urls = {};
const errors = {};

await Promise.all(
  Object.entries(cases).map(async ([name, subgraphs]) => {
    try {
      const gateway = new ApolloGateway({
        supergraphSdl: new IntrospectAndCompose({
          subgraphs: Object.entries(subgraphs).map(([sub, url]) => ({ name: sub, url })),
        }),
        logger: quiet,
      });
      const server = new ApolloServer({
        gateway,
        introspection: true,
        includeStacktraceInErrorResponses: false,
        csrfPrevention: false,
        logger: quiet,
      });
      const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: 0 } });
      urls[name] = new URL("/graphql", url).toString();
    } catch (e) {
      errors[name] = String(e?.message ?? e);
    }
  }),
);
process.stdout.write(JSON.stringify({ urls, errors }) + "\n");
