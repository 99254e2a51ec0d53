import type { CodegenConfig } from "@graphql-codegen/cli";
import { addTypenameSelectionDocumentTransform } from "@graphql-codegen/client-preset";

// Typed documents from the gateway's API schema; every operation also gets its sha256 in
// src/gql/persisted-documents.json, which the build ships as dist/persisted-documents.json.
const config: CodegenConfig = {
  schema: "schema.graphql",
  // A test's own documents (a stand-in API) are not the app's operations: neither typed nor persisted.
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*", "!src/**/*.test.{ts,tsx}"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { mode: "embedHashInDocument", hashAlgorithm: "sha256" },
      },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string", Date: "string", Decimal: "string", Phone: "string", Time: "string" },
      },
      // urql's document cache keys on __typename: the persisted text must carry it too.
      documentTransforms: [addTypenameSelectionDocumentTransform],
    },
  },
};

export default config;
