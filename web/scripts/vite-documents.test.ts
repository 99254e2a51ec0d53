import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { documentMap, replaceGraphqlCalls, replacementFor, stubDocuments, subscriptionTexts } from "./vite-documents";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const map = documentMap(read("src/gql/gql.ts"));
const stubs = stubDocuments(read("src/gql/graphql.ts"));
const manifest = JSON.parse(read("src/gql/persisted-documents.json")) as Record<string, string>;
const money = read("src/features/money/api/operations.ts");

interface Stub {
  documentId?: string;
  definitions: { operation?: string; name?: { value: string }; selectionSet?: { selections: unknown[] } }[];
}

describe("graphql() calls", () => {
  it("become imports of their generated documents (dev, tests), every line where it was", () => {
    const code = replaceGraphqlCalls(money, replacementFor(map, null), "../../../gql/graphql")!;
    expect(code).not.toContain("query FamilyMoney");
    expect(code).not.toContain("graphql(");
    expect(code).toContain("export const FamilyMoney = (FamilyMoneyDocument");
    expect(code).toMatch(/^import \{ StatementLineFieldsFragmentDoc, FamilyMoneyDocument, StatementPageDocument, StartOnlinePaymentDocument \} from "\.\.\/\.\.\/\.\.\/gql\/graphql";$/m);
    expect(code.split("\n").length).toBe(money.split("\n").length + 2);
    expect(replaceGraphqlCalls("export const a = 1;\n", replacementFor(map, null), "./gql/graphql")).toBeNull();
  });

  it("become their stubs in a production build: no text, nothing imported", () => {
    const code = replaceGraphqlCalls(money, replacementFor(map, stubs), "../../../gql/graphql")!;
    expect(code).not.toMatch(/myFamily|balanceAfter|^import /m);
    expect(code.split("\n").length).toBe(money.split("\n").length);
    const shipped = /export const FamilyMoney = \((\{.*\})/.exec(code)![1]!;
    expect(JSON.parse(shipped)).toEqual(stubs.get("FamilyMoneyDocument"));
  });

  it("refuses a document codegen has not seen", () => {
    expect(() => replaceGraphqlCalls("graphql(`query Nope { a }`)", replacementFor(map, null), "./x"))
      .toThrow(/npm run codegen/);
  });
});

describe("a production build's documents", () => {
  it("carry no text and no selections: an operation's kind, name and the hash the gateway trusts", () => {
    expect(stubs.size).toBe(map.size);
    const operations = [...stubs].filter(([name]) => name.endsWith("Document")) as [string, Stub][];
    expect(operations.length).toBe(Object.keys(manifest).length);
    for (const [name, document] of operations) {
      const operation = name.replace(/Document$/, "");
      expect(document.definitions).toHaveLength(1);
      expect(document.definitions[0]!.name!.value).toBe(operation);
      expect(document.definitions[0]!.selectionSet!.selections).toEqual([]);
      expect(manifest[document.documentId!]).toMatch(new RegExp(`${document.definitions[0]!.operation} ${operation}\\b`));
    }
    // a fragment is in its operations' persisted texts: nothing of it is shipped
    for (const [name, document] of [...stubs].filter(([n]) => n.endsWith("FragmentDoc"))) {
      expect(document, name).toEqual({ kind: "Document", definitions: [] });
    }
  });
});

describe("the subscriptions' texts", () => {
  it("are the manifest's subscriptions only, by their ids", () => {
    const texts = subscriptionTexts(manifest);
    expect(Object.values(texts).map((t) => /subscription (\w+)/.exec(t)![1]).sort()).toEqual(["FamilyActivity", "LessonChanged"]);
    for (const [id, text] of Object.entries(texts)) expect(manifest[id]).toBe(text);
  });
});
