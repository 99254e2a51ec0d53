import type { DocumentNode } from "graphql";

/**
 * Persisted documents: codegen puts each operation's sha256 on its document (`__meta__.hash`) and writes the
 * same map to persisted-documents.json, which the gateway trusts. A production build sends the hash only
 * (GraphQL over HTTP's `documentId`) and ships no text of them (scripts/vite-documents.ts); `npm run dev` sends
 * the text as well, so a gateway without the manifest still runs it.
 */
export const SEND_TEXT = import.meta.env.DEV;

const byName = new Map<string, string>();

/** Remember the hash of a document under its operation name (the client's first exchange passes every one here). */
export function register(document: object): void {
  const { definitions, __meta__ } = document as Partial<DocumentNode> & { __meta__?: { hash?: string } };
  const hash = __meta__?.hash;
  for (const def of definitions ?? []) {
    if (def.kind === "OperationDefinition" && def.name && hash) byName.set(def.name.value, hash);
  }
}

export function documentIdOf(operationName: string | undefined | null): string | undefined {
  const hash = operationName ? byName.get(operationName) : undefined;
  if (!hash) return undefined;
  return hash.startsWith("sha256:") ? hash : `sha256:${hash}`;
}

export interface WireRequest {
  documentId?: string;
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

/** The body the gateway gets for an operation urql (or graphql-ws) is about to send. */
export function toWire(body: WireRequest): WireRequest {
  const documentId = documentIdOf(body.operationName);
  if (!documentId) return body;
  const wire: WireRequest = { documentId, operationName: body.operationName, variables: body.variables };
  if (SEND_TEXT) wire.query = body.query;
  return wire;
}
