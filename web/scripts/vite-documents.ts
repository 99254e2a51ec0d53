/**
 * Vite plugin: ship only what the app sends of its GraphQL documents.
 *
 * - Each `graphql(`…`)` call in src/ becomes its generated document, imported from src/gql/graphql.ts (what
 *   codegen's babel plugin does), so codegen's map of every operation's text and document (src/gql/gql.ts) is
 *   never bundled.
 * - A production build puts a stub in place of each call instead: the operation's kind, name and hash, no text
 *   and no selections (a fragment: nothing). It sends the hash only (`documentId`, src/lib/graphql/persisted.ts);
 *   urql needs a document's kind and name, and keys its cache by `documentId`. `npm run dev` and the tests keep
 *   the whole documents (dev sends the text too).
 * - `virtual:subscription-texts`: the subscriptions' texts from the trusted-documents manifest, by id, for
 *   graphql-ws (it sends a `query` string with every subscribe); the live connection's chunk imports it.
 */
import { readFileSync, statSync } from "node:fs";
import { relative, dirname, resolve, sep } from "node:path";
import { parse } from "graphql";
import type { Plugin } from "vite";

const SUBSCRIPTION_TEXTS = "virtual:subscription-texts";
const RESOLVED_TEXTS = `\0${SUBSCRIPTION_TEXTS}`;

/** codegen's map (src/gql/gql.ts): a `graphql()` call's exact source text -> its document's export name. */
export function documentMap(gqlTs: string): Map<string, string> {
  const map = new Map<string, string>();
  const body = gqlTs.slice(gqlTs.indexOf("const documents"));
  for (const match of body.matchAll(/^\s*("(?:[^"\\]|\\.)*"): types\.(\w+),?$/gm)) {
    map.set(JSON.parse(match[1]!) as string, match[2]!);
  }
  return map;
}

/** What a `graphql(`…`)` call becomes: an expression, and the generated document it imports if any. */
export type Replacement = (source: string) => { expression: string; imports?: string };

/** `graphql(`…`)` calls -> their documents (imports from `importPath`); null when the code has none. */
export function replaceGraphqlCalls(code: string, replacement: Replacement, importPath: string): string | null {
  const used = new Set<string>();
  let replacedAny = false;
  // Every line stays where it was (the call's lines become empty ones, the import goes last): no source map needed.
  const replaced = code.replace(/\bgraphql\(\s*`([^`]*)`\s*\)/g, (call: string, source: string) => {
    const { expression, imports } = replacement(source);
    if (imports) used.add(imports);
    replacedAny = true;
    return `(${expression}${"\n".repeat(call.split("\n").length - 1)})`;
  });
  if (!replacedAny) return null;
  const withoutTag = replaced.replace(/^import \{ graphql \} from "[^"]*";$/m, "");
  if (!used.size) return withoutTag;
  return `${withoutTag}\nimport { ${[...used].join(", ")} } from ${JSON.stringify(importPath)};\n`;
}

interface Definition {
  kind: string;
  operation?: string;
  name?: { value: string };
}
interface Generated {
  definitions: readonly Definition[];
  __meta__?: { hash?: string };
}

/** A generated document as a production build ships it: an operation's kind, name and hash; a fragment's nothing. */
export function stub(document: Generated): object {
  const operation = document.definitions.find((d) => d.kind === "OperationDefinition");
  const hash = document.__meta__?.hash;
  if (!operation?.name || !operation.operation || !hash) return { kind: "Document", definitions: [] };
  const documentId = hash.startsWith("sha256:") ? hash : `sha256:${hash}`;
  return {
    kind: "Document",
    documentId,
    definitions: [{
      kind: "OperationDefinition",
      operation: operation.operation,
      name: { kind: "Name", value: operation.name.value },
      selectionSet: { kind: "SelectionSet", selections: [] },
    }],
    __meta__: { hash },
  };
}

/**
 * A call's generated document by its exact source text (`map`, codegen's): imported as generated, or with `stubs`
 * (a production build) its stub inlined - not imported: a module is whole in one chunk, and src/gql/graphql.ts
 * would then put every stub in the first one.
 */
export function replacementFor(map: Map<string, string>, stubs: Map<string, object> | null): Replacement {
  return (source) => {
    const name = map.get(source);
    if (!name) throw new Error(`a graphql() document is not in src/gql/gql.ts: run \`npm run codegen\`\n${source}`);
    if (!stubs) return { expression: name, imports: name };
    const shipped = stubs.get(name);
    if (!shipped) throw new Error(`${name} is not in src/gql/graphql.ts: run \`npm run codegen\``);
    return { expression: JSON.stringify(shipped) };
  };
}

/** src/gql/graphql.ts's documents as a production build ships them: export name -> stub. */
export function stubDocuments(graphqlTs: string): Map<string, object> {
  const stubs = new Map<string, object>();
  for (const match of graphqlTs.matchAll(/^export const (\w+) = (\{.*\}) as unknown as DocumentNode<.*>;$/gm)) {
    stubs.set(match[1]!, stub(JSON.parse(match[2]!) as Generated));
  }
  return stubs;
}

/** The manifest's subscriptions only: {documentId: text}. */
export function subscriptionTexts(manifest: Record<string, string>): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const [id, text] of Object.entries(manifest)) {
    const subscription = parse(text).definitions.some(
      (d) => d.kind === "OperationDefinition" && d.operation === "subscription");
    if (subscription) texts[id.startsWith("sha256:") ? id : `sha256:${id}`] = text;
  }
  return texts;
}

function cachedRead<T>(read: (text: string) => T): (file: string) => T {
  let last: { file: string; mtime: number; value: T } | null = null;
  return (file) => {
    const mtime = statSync(file).mtimeMs;
    if (last?.file !== file || last.mtime !== mtime) last = { file, mtime, value: read(readFileSync(file, "utf8")) };
    return last.value;
  };
}

export function graphqlDocuments(root: string): Plugin {
  const srcDir = resolve(root, "src") + sep;
  const gqlDir = resolve(root, "src/gql");
  const readMap = cachedRead(documentMap);
  const readStubs = cachedRead(stubDocuments);
  let build = false;
  const replacement: Replacement = (source) =>
    replacementFor(readMap(resolve(gqlDir, "gql.ts")), build ? readStubs(resolve(gqlDir, "graphql.ts")) : null)(source);
  return {
    name: "kabinet-graphql-documents",
    enforce: "pre",
    configResolved(config) {
      build = config.command === "build";
    },
    resolveId(id) {
      return id === SUBSCRIPTION_TEXTS ? RESOLVED_TEXTS : null;
    },
    load(id) {
      if (id !== RESOLVED_TEXTS) return null;
      const manifest = resolve(gqlDir, "persisted-documents.json");
      this.addWatchFile(manifest);
      const texts = subscriptionTexts(JSON.parse(readFileSync(manifest, "utf8")) as Record<string, string>);
      return `export default ${JSON.stringify(texts)};`;
    },
    transform(code, id) {
      const file = id.split("?")[0]!;
      if (!/\.tsx?$/.test(file) || !file.startsWith(srcDir) || file.startsWith(gqlDir + sep)) return null;
      if (!code.includes("graphql(")) return null;
      const target = relative(dirname(file), resolve(gqlDir, "graphql")).split(sep).join("/");
      const replaced = replaceGraphqlCalls(code, replacement, target.startsWith(".") ? target : `./${target}`);
      return replaced === null ? null : { code: replaced, map: null };
    },
  };
}
