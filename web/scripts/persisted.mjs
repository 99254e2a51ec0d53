// dist/persisted-documents.json = {"<sha256 hex>": "<document>"} for every operation the app sends (the
// gateway's trusted-documents manifest). Codegen writes that map with "sha256:" ids; each id is checked here.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const source = new URL("../src/gql/persisted-documents.json", import.meta.url);
const target = new URL("../dist/persisted-documents.json", import.meta.url);
const documents = {};
for (const [key, text] of Object.entries(JSON.parse(readFileSync(source, "utf8")))) {
  const id = key.replace(/^sha256:/, "");
  const digest = createHash("sha256").update(text, "utf8").digest("hex");
  if (digest !== id) throw new Error(`persisted document ${id} does not hash to its id (${digest})`);
  documents[id] = text;
}
writeFileSync(target, JSON.stringify(documents, null, 1) + "\n");
console.log(`dist/persisted-documents.json: ${Object.keys(documents).length} documents`);
