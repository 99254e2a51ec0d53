// Runs the graphql-http audit (GraphQL over HTTP spec) against a server: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints [{"id", "name", "status": "ok" | "warn" | "error", "reason"}] as JSON.
import { auditServer } from "graphql-http";

const results = await auditServer({ url: process.argv[2] });
process.stdout.write(
  JSON.stringify(results.map((r) => ({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null }))),
);
