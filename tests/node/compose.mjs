// Composes subgraph SDLs with Apollo's reference composition (@apollo/composition).
// Input on stdin:  {"subgraphs": [{"name": "...", "url": "...", "sdl": "..."}]}
// Output on stdout: {"errors": [{"code": "...", "message": "..."}], "hints": [...], "supergraphSdl": "..." | null,
//                    "apiSchemaSdl": "..." | null}   (the client-facing API schema, lexicographically sorted)
// Kabinet's Python tests use it to cross-check the gateway's own composition.
import { composeServices } from "@apollo/composition";
import { lexicographicSortSchema, parse, printSchema } from "graphql";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const input = JSON.parse(await readStdin());
const services = input.subgraphs.map((s) => ({ name: s.name, url: s.url ?? `http://${s.name}/graphql`, typeDefs: parse(s.sdl) }));
let output;
try {
  const result = composeServices(services);
  output = {
    errors: (result.errors ?? []).map((e) => ({ code: e.extensions?.code ?? null, message: e.message })),
    hints: (result.hints ?? []).map((h) => ({ code: h.definition?.code ?? null, message: h.message })),
    supergraphSdl: result.supergraphSdl ?? null,
    apiSchemaSdl: result.schema ? printSchema(lexicographicSortSchema(result.schema.toAPISchema().toGraphQLJSSchema())) : null,
  };
} catch (e) {
  output = { errors: [{ code: "COMPOSITION_CRASHED", message: String(e && e.stack ? e.stack : e) }], hints: [], supergraphSdl: null };
}
process.stdout.write(JSON.stringify(output));
